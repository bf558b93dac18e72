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
/// and removed, so the same check holds for any store behind <see cref="IImageStore"/>. Free space below
/// Portal:Storage:FreeSpaceReserveGb is Degraded, not Unhealthy: uploads are refused, but downloads and the rest still work.
/// </summary>
public sealed class ImageStoreHealthCheck(IImageStore store, IOptions<PortalOptions> options) : IHealthCheck
{
    private static readonly byte[] Probe = "portal health probe"u8.ToArray();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probeId = Guid.NewGuid();
        try
        {
            await using (var writer = store.BeginWrite(probeId))
            {
                await writer.WriteAsync(Probe, cancellationToken);
                await writer.CommitAsync(cancellationToken);
            }

            await using (var read = store.OpenRead(probeId))
            {
                if (read is null || !await ReadsBackAsync(read, cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("The image store did not give back what was written.");
                }
            }
        }
        finally
        {
            TryDelete(probeId);
        }

        var reserve = options.Value.Storage.FreeSpaceReserveBytes;
        return store.AvailableBytes is { } free && free < reserve
            ? HealthCheckResult.Degraded($"The image store has {free} bytes free, below its reserve of {reserve}: uploads are refused.")
            : HealthCheckResult.Healthy();
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

    private void TryDelete(Guid probeId)
    {
        try
        {
            store.Delete(probeId);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The check's outcome already says what is wrong with the store.
        }
    }
}
