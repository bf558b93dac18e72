using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Data;
using Portal.Images;

namespace Portal.Extensions;

/// <summary>
/// <c>/health/live</c> (the process serves requests: no dependency is checked, so a slow database never gets a live
/// instance restarted) and <c>/health/ready</c> (the database and the image store answer). Both are anonymous and
/// answer with the status word only: no exception message, path or version reaches an anonymous caller.
/// </summary>
public static class PortalHealth
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string PathPrefix = "/health";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddPortalHealthChecks(this IServiceCollection services)
    {
        // The EF check resolves the scoped PortalDbContext, which AddPortalServices makes from the factory.
        // A real query rather than CanConnect: for SQLite CanConnect only looks whether the file exists.
        services.AddHealthChecks()
            .AddDbContextCheck<PortalDbContext>("database", tags: [ReadyTag], customTestQuery: async (db, cancellationToken) =>
            {
                await db.Images.AsNoTracking().AnyAsync(cancellationToken);
                return true;
            })
            .AddCheck<ImageStoreHealthCheck>("image-store", tags: [ReadyTag]);
        // One instance keeps the last probe's answer (AddCheck alone would make a new check per run).
        services.AddSingleton<ImageStoreHealthCheck>();
        return services;
    }

    public static IEndpointRouteBuilder MapPortalHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        // Kept out of the OpenAPI document: they are for load balancers and orchestrators, not API clients.
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous()
            .DisableRateLimiting()
            .ExcludeFromDescription();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) })
            .AllowAnonymous()
            .DisableRateLimiting()
            .ExcludeFromDescription();
        return endpoints;
    }
}

/// <summary>
/// The image store takes and gives back bytes: a small probe goes in through the store's own writer and is read back
/// and removed, so the same check holds for any store behind <see cref="IImageStore"/>. On an object store that is three
/// requests, so the probe's answer is reused for Portal:ImageStore:HealthProbeCacheSeconds (one probe at a time; callers
/// in between share its answer). Free space below Portal:Storage:FreeSpaceReserveGb is Degraded, not Unhealthy:
/// uploads are refused, but downloads and the rest still work.
/// </summary>
public sealed class ImageStoreHealthCheck(IImageStore store, IOptions<PortalOptions> options, TimeProvider clock) : IHealthCheck, IDisposable
{
    private static readonly byte[] Probe = "portal health probe"u8.ToArray();

    private readonly SemaphoreSlim _probing = new(1, 1);
    private (HealthCheckResult Result, DateTimeOffset At)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probed = await ProbeAsync(cancellationToken);
        if (probed.Status != HealthStatus.Healthy)
        {
            return probed;
        }

        var reserve = options.Value.Storage.FreeSpaceReserveBytes;
        return store.AvailableBytes is { } free && free < reserve
            ? HealthCheckResult.Degraded($"The image store has {free} bytes free, below its reserve of {reserve}: uploads are refused.")
            : HealthCheckResult.Healthy();
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var reuseFor = TimeSpan.FromSeconds(options.Value.ImageStore.HealthProbeCacheSeconds);
        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < reuseFor)
            {
                return last.Result;
            }

            HealthCheckResult result;
            try
            {
                result = await WriteReadDeleteAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = HealthCheckResult.Unhealthy("The image store failed the probe.", e);
            }

            _last = (result, clock.GetUtcNow());
            return result;
        }
        finally
        {
            _probing.Release();
        }
    }

    private async Task<HealthCheckResult> WriteReadDeleteAsync(CancellationToken cancellationToken)
    {
        var probeId = Guid.NewGuid();
        try
        {
            await using (var writer = await store.BeginWriteAsync(probeId, cancellationToken))
            {
                await writer.WriteAsync(Probe, cancellationToken);
                await writer.CommitAsync(cancellationToken);
            }

            await using var read = await store.OpenReadAsync(probeId, cancellationToken);
            return read is not null && await ReadsBackAsync(read, cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The image store did not give back what was written.");
        }
        finally
        {
            await TryDeleteAsync(probeId);
        }
    }

    private static async Task<bool> ReadsBackAsync(Stream read, CancellationToken cancellationToken)
    {
        var buffer = new byte[Probe.Length + 1];
        var total = 0;
        int count;
        while ((count = await read.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += count;
            if (total == buffer.Length)
            {
                break;
            }
        }

        return buffer.AsSpan(0, total).SequenceEqual(Probe);
    }

    private async Task TryDeleteAsync(Guid probeId)
    {
        try
        {
            await store.DeleteAsync(probeId, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The check's outcome already says what is wrong with the store.
        }
    }

    public void Dispose() => _probing.Dispose();
}
