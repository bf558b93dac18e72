using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Configuration;
using Portal.Extensions;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>
/// The ready check's store probe (write, read back, delete: three requests on an object store) is reused for
/// Portal:ImageStore:HealthProbeCacheSeconds, so a load balancer asking every second does not multiply the store's load.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageStoreHealthCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-health-").FullName;
    private readonly FakeTimeProvider _clock = new();
    private readonly CountingImageStore _store;

    public ImageStoreHealthCheckTests()
    {
        _store = new CountingImageStore(new LocalDiskImageStore(_root));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ImageStoreHealthCheck Check(int cacheSeconds) => new(_store, Options.Create(new PortalOptions
    {
        Storage = { FreeSpaceReserveGb = 0 },
        ImageStore = { HealthProbeCacheSeconds = cacheSeconds },
    }), _clock);

    [Fact]
    public async Task ProbesWithinTheCacheTimeShareOneProbeAndALaterOneProbesAgain()
    {
        using var check = Check(cacheSeconds: 5);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(1, _store.Writes);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(2, _store.Writes);
        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AFailedProbeIsReusedTooAndTheStoreIsTriedAgainAfterwards()
    {
        using var check = Check(cacheSeconds: 5);
        Directory.Delete(_root, recursive: true);

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Directory.CreateDirectory(Path.Combine(_root, LocalDiskImageStore.IncomingFolderName));
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(2, _store.Writes);
    }

    [Fact]
    public async Task WithNoCacheTimeEveryCallProbes()
    {
        using var check = Check(cacheSeconds: 0);

        await check.CheckHealthAsync(new HealthCheckContext());
        await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(2, _store.Writes);
    }
}
