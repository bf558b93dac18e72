using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Images;

namespace Portal.Tests.Support;

/// <summary>The whole portal in-process, with its own data folder and the demo users and catalog.</summary>
public class PortalAppFactory : WebApplicationFactory<Program>
{
    /// <summary>The test's demo users' password: not the README's, which outside Development stops the portal.</summary>
    public const string DemoPassword = "Test-pass-1";

    private readonly PostgresDatabase? _sharedDatabase;
    private readonly bool _ownsDataFolder;
    private PostgresDatabase? _postgres;

    public PortalAppFactory()
        : this(sharedDataFolder: null)
    {
    }

    /// <summary>
    /// A portal on <paramref name="sharedDataFolder"/> (database and image folder) and, when the run uses PostgreSQL, on
    /// <paramref name="sharedDatabase"/>, which another instance may share; a folder and database of its own when null.
    /// </summary>
    protected PortalAppFactory(string? sharedDataFolder, PostgresDatabase? sharedDatabase = null)
    {
        _ownsDataFolder = sharedDataFolder is null;
        _sharedDatabase = sharedDatabase;
        DataFolder = sharedDataFolder ?? Directory.CreateTempSubdirectory("portal-app-").FullName;
    }

    public string DataFolder { get; }

    /// <summary>The app's PostgreSQL database when the run uses PostgreSQL (null with SQLite: portal.db in <see cref="DataFolder"/>).</summary>
    public string? PostgresConnectionString => (_sharedDatabase ?? _postgres)?.ConnectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");

        // Outside Development the framework only serves published static assets (blazor.web.js, MudBlazor).
        builder.UseStaticWebAssets();
        builder.UseSetting("Portal:DataDirectory", DataFolder);
        if (TestDatabaseProvider.IsPostgreSql)
        {
            var database = _sharedDatabase ?? (_postgres ??= PostgresServer.CreateDatabase());
            foreach (var (key, value) in database.Settings)
            {
                builder.UseSetting(key, value);
            }
        }

        // Tests must not depend on how full the machine's disk is; the store-full tests set their own reserve.
        builder.UseSetting("Portal:Storage:FreeSpaceReserveGb", "0");
        builder.UseSetting("Portal:Demo:SeedUsers", "true");
        builder.UseSetting("Portal:Demo:SeedCatalog", "true");
        builder.UseSetting("Portal:Demo:Password", DemoPassword);

        // Every test signs in from 127.0.0.1; the per-client sign-in limit is tested with its own low value.
        builder.UseSetting("Portal:SignIn:PermitLimit", "100000");

        // The test servers speak plain http; the secure cookie of a real start has its own test (ProductionStartTests).
        builder.UseSetting("Portal:SignIn:SecureCookie", "false");
    }

    public HttpClient CreateBrowserLikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the real form post (antiforgery token included) and returns the response.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        var form = await client.GetStringAsync("/account/sign-in");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"|name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(token.Success, "The sign-in page has no antiforgery token.");
        var value = token.Groups[1].Success ? token.Groups[1].Value : token.Groups[2].Value;

        var fields = new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(value),
        };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }

        return await client.PostAsync("/account/sign-in/submit", new FormUrlEncodedContent(fields));
    }

    public async Task<HttpClient> SignedInClientAsync(string email)
    {
        var client = CreateBrowserLikeClient();
        using var response = await PostSignInAsync(client, email, DemoPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
        return client;
    }

    public async Task<Image> FindImageAsync(string name)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Name == name);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        _postgres?.Dispose();
        _postgres = null;

        if (!_ownsDataFolder)
        {
            return;
        }

        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // Still held by the server's last request; the OS temp cleaner takes it.
        }
    }
}
