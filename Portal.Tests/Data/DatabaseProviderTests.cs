using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Configuration;
using Portal.Data;
using Portal.Extensions;
using Portal.Tests.Support;

namespace Portal.Tests.Data;

/// <summary>
/// Portal:Database:Provider switches the whole app: started against an empty PostgreSQL database (a real server, in
/// both test passes) it creates its schema from the PostgreSQL migrations, seeds, and is ready; without a connection
/// string it does not start and says why.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class DatabaseProviderTests
{
    private sealed class App(params (string Key, string? Value)[] settings) : WebApplicationFactory<Program>
    {
        public string DataFolder { get; } = Directory.CreateTempSubdirectory("portal-provider-").FullName;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Portal:DataDirectory", DataFolder);
            builder.UseSetting("Portal:Storage:FreeSpaceReserveGb", "0");
            builder.UseSetting("Portal:Demo:SeedUsers", "true");
            builder.UseSetting("Portal:Demo:SeedCatalog", "true");
            builder.UseSetting("Portal:Demo:Password", PortalAppFactory.DemoPassword);
            builder.UseSetting("Portal:SignIn:SecureCookie", "false");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (Directory.Exists(DataFolder))
            {
                Directory.Delete(DataFolder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task OnAnEmptyPostgreSqlDatabaseThePortalCreatesItsSchemaSeedsAndIsReady()
    {
        using var database = PostgresServer.CreateEmptyDatabase();
        await using var app = new App(
            ("Portal:Database:Provider", "PostgreSql"),
            ("Portal:Database:ConnectionString", database.ConnectionString));

        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var ready = await client.GetAsync(PortalHealth.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.IsType<PostgreSqlPortalDbContext>(db);
        Assert.True(db.Database.IsNpgsql());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.All(db.Database.GetMigrations(), id => Assert.DoesNotContain(id, new PortalDbContext(
            new DbContextOptionsBuilder<PortalDbContext>().UseSqlite("Data Source=:memory:").Options).Database.GetMigrations()));
        Assert.Equal(3, await db.Users.CountAsync());
        Assert.NotEqual(0, await db.Images.CountAsync());

        using var signedIn = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);
        Assert.Equal("/compute/images", signedIn.Headers.Location?.OriginalString);
        Assert.False(File.Exists(Path.Combine(app.DataFolder, "portal.db")));
    }

    [Fact]
    public async Task TwoInstancesStartingTogetherOnAnEmptyPostgreSqlDatabaseBothComeUpWithOneSchemaAndOneSeed()
    {
        using var database = PostgresServer.CreateEmptyDatabase();
        (string, string?)[] settings = [("Portal:Database:Provider", "PostgreSql"), ("Portal:Database:ConnectionString", database.ConnectionString)];
        await using var first = new App(settings);
        await using var second = new App(settings);

        // A rolling start: both migrate, reconcile and seed the same empty database at the same moment.
        var clients = await Task.WhenAll(Task.Run(() => first.CreateClient()), Task.Run(() => second.CreateClient()));

        foreach (var client in clients)
        {
            using var ready = await client.GetAsync(PortalHealth.ReadyPath);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            client.Dispose();
        }

        await using var scope = first.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(3, await db.Users.CountAsync());
        var catalog = await db.Images.Select(i => i.Name).ToListAsync();
        Assert.NotEmpty(catalog);
        Assert.Equal(catalog.Distinct().Count(), catalog.Count);
    }

    [Fact]
    public void WithoutAConnectionStringAPostgreSqlStartStopsNamingTheSetting()
    {
        using var app = new App(("Portal:Database:Provider", "PostgreSql"));

        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(PortalOptionsValidator.MissingPostgreSqlConnectionString, failure.Message);
    }

    [Fact]
    public async Task WithoutSettingsThePortalKeepsSqliteInItsDataFolder()
    {
        await using var app = new App();

        using var client = app.CreateClient();
        using var ready = await client.GetAsync(PortalHealth.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        Assert.Equal(typeof(PortalDbContext), db.GetType());
        Assert.True(db.Database.IsSqlite());
        Assert.True(File.Exists(Path.Combine(app.DataFolder, "portal.db")));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
