using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>A fresh production start: nothing open, seeded or guessable unless configured.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ProductionStartTests
{
    private class ProductionApp(params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        public string DataFolder { get; } = Directory.CreateTempSubdirectory("portal-production-").FullName;

        protected virtual string Environment => "Production";

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environment);
            builder.UseSetting("Portal:DataDirectory", DataFolder);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(DataFolder))
            {
                Directory.Delete(DataFolder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task AProductionStartSeedsNoUserAndNoCatalog()
    {
        using var app = new ProductionApp();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });

        using var response = await PortalAppFactory.PostSignInAsync(client, "operator@demo.local", DemoOptions.PublishedPassword);

        Assert.StartsWith("/account/sign-in?error=invalid", response.Headers.Location!.OriginalString);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.Equal(0, await db.Users.CountAsync());
        Assert.Equal(0, await db.Images.CountAsync());
        Assert.Equal([DemoUserSeeder.PlatformAccountName], await db.Accounts.Select(a => a.Name).ToListAsync());
    }

    [Fact]
    public void DemoUsersWithThePublishedPasswordStopAProductionStartNamingTheSetting()
    {
        using var app = new ProductionApp(("Portal:Demo:SeedUsers", "true"));

        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(PortalOptionsValidator.PublishedPasswordOutsideDevelopment, failure.Message);
    }

    /// <summary>The same start with the settings of <c>dotnet run --project Portal</c> (appsettings.Development.json).</summary>
    private sealed class DevelopmentApp() : ProductionApp
    {
        protected override string Environment => "Development";
    }

    [Fact]
    public async Task DemoUsersWithAPasswordOfTheirOwnAreAllowedAndTheirCookieOnlyTravelsOverHttps()
    {
        using var app = new ProductionApp(("Portal:Demo:SeedUsers", "true"), ("Portal:Demo:Password", "Own-secret-42"));
        // Plain http, as behind a proxy that terminates TLS: the cookie is marked secure all the same.
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false, HandleCookies = true });

        using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", "Own-secret-42");

        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
        Assert.Contains("; secure", AuthCookie(response), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InDevelopmentTheDemoOperatorSignsInOverPlainHttp()
    {
        using var app = new DevelopmentApp();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false, HandleCookies = true });

        using var response = await PortalAppFactory.PostSignInAsync(client, "operator@demo.local", DemoOptions.PublishedPassword);

        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
        Assert.DoesNotContain("; secure", AuthCookie(response), StringComparison.OrdinalIgnoreCase);
    }

    private static string AuthCookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.auth=", StringComparison.Ordinal));

    [Fact]
    public async Task CreateOperatorGivesProductionItsFirstOperatorOnce()
    {
        using var app = new ProductionApp();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await OperatorCommand.RunAsync(app.Services, [OperatorCommand.Name, "ops@example.com"], () => null,
            new StringReader("Operator-secret-7\n"), output, error);
        var again = await OperatorCommand.RunAsync(app.Services, [OperatorCommand.Name, "ops@example.com"], () => "Other-secret-8",
            new StringReader(""), output, error);

        Assert.Equal(0, exit);
        Assert.Equal(1, again);
        Assert.Contains("already exists", error.ToString());
        using var signIn = await PortalAppFactory.PostSignInAsync(client, "ops@example.com", "Operator-secret-7");
        Assert.Equal("/compute/images", signIn.Headers.Location?.OriginalString);
        using var quotas = await client.GetAsync("/compute/quotas");
        Assert.Equal(HttpStatusCode.OK, quotas.StatusCode);
    }

    [Fact]
    public async Task CreateOperatorRefusesAWeakPasswordWithIdentitysReason()
    {
        using var app = new ProductionApp();
        var error = new StringWriter();

        var exit = await OperatorCommand.RunAsync(app.Services, [OperatorCommand.Name, "ops@example.com"], () => "short",
            new StringReader(""), new StringWriter(), error);

        Assert.Equal(1, exit);
        Assert.Contains("Passwords must be at least", error.ToString());
        await using var scope = app.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync("ops@example.com"));
    }

    [Fact]
    public async Task TheCommandRunsFromTheRealProgramWithThePasswordFromTheEnvironment()
    {
        var data = Directory.CreateTempSubdirectory("portal-command-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Portal.dll"));
            start.ArgumentList.Add(OperatorCommand.Name);
            start.ArgumentList.Add("first-operator@example.com");
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["Portal__DataDirectory"] = data;
            start.Environment[OperatorCommand.PasswordVariable] = "Operator-secret-7";
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(deadline.Token);

            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stdout} {await stderr}");
            Assert.Contains("Created operator first-operator@example.com", await stdout);
            Assert.DoesNotContain("Created demo user", await stdout);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
