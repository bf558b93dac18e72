using System.Net;
using Microsoft.Data.Sqlite;
using Portal.Extensions;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>A portal whose image store the test takes away.</summary>
public sealed class LostStorePortal : KestrelPortal;

/// <summary>A portal whose database the test takes away.</summary>
public sealed class LostDatabasePortal : KestrelPortal;

/// <summary>A portal that keeps more free space in reserve than any disk has.</summary>
public sealed class HugeReservePortal : KestrelPortal
{
    public HugeReservePortal()
    {
        With("Portal:Storage:FreeSpaceReserveGb", "1000000");
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class HealthEndpointTests(KestrelPortal portal, LostStorePortal lostStore, LostDatabasePortal lostDatabase, HugeReservePortal hugeReserve)
    : IClassFixture<KestrelPortal>, IClassFixture<LostStorePortal>, IClassFixture<LostDatabasePortal>, IClassFixture<HugeReservePortal>
{
    [Theory]
    [InlineData(PortalHealth.LivePath)]
    [InlineData(PortalHealth.ReadyPath)]
    public async Task AHealthyPortalAnswersHealthyToAnAnonymousCaller(string path)
    {
        using var anonymous = portal.ApiClient(token: null);
        var storedBefore = Directory.GetFiles(portal.ImagesFolder).Order().ToList();

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        // The store's probe leaves nothing behind.
        Assert.Equal(storedBefore, Directory.GetFiles(portal.ImagesFolder).Order().ToList());
        Assert.Empty(portal.IncomingFiles);
    }

    [Fact]
    public async Task TheHealthEndpointsAreNotInTheApiDocument()
    {
        using var anonymous = portal.ApiClient(token: null);

        var document = await anonymous.GetStringAsync(PortalOpenApi.DocumentPath);

        Assert.DoesNotContain("/health", document);
    }

    [Fact]
    public async Task WithoutItsImageFolderThePortalIsNotReadyButStillLive()
    {
        using var anonymous = lostStore.ApiClient(token: null);
        Directory.Delete(lostStore.ImagesFolder, recursive: true);

        using var ready = await anonymous.GetAsync(PortalHealth.ReadyPath);
        using var live = await anonymous.GetAsync(PortalHealth.LivePath);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal("Unhealthy", body);
        Assert.DoesNotContain(lostStore.DataFolder, body);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task WithoutItsDatabaseThePortalIsNotReadyButStillLive()
    {
        using var anonymous = lostDatabase.ApiClient(token: null);
        if (lostDatabase.PostgresConnectionString is { } postgres)
        {
            // The database dropped under the running portal, its open connections closed by the server.
            PostgresServer.DropDatabase(postgres);
        }
        else
        {
            // A folder in the database file's place: SQLite cannot open it, whoever the process runs as (root included).
            var database = Path.Combine(lostDatabase.DataFolder, "portal.db");
            File.Move(database, database + ".gone");
            Directory.CreateDirectory(database);
            // Pooled connections would go on using the file they opened before.
            SqliteConnection.ClearAllPools();
        }

        using var ready = await anonymous.GetAsync(PortalHealth.ReadyPath);
        using var live = await anonymous.GetAsync(PortalHealth.LivePath);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal("Unhealthy", body);
        Assert.DoesNotContain(lostDatabase.DataFolder, body);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FreeSpaceBelowTheReserveIsDegradedAndStillReady()
    {
        using var anonymous = hugeReserve.ApiClient(token: null);

        using var ready = await anonymous.GetAsync(PortalHealth.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
    }
}
