using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>
/// Every <see cref="InstanceOptions.HeartbeatSeconds"/>: renews the leases of the transfers this instance runs (so that
/// no other instance takes them for dead), stops the ones someone asked to cancel on another instance, and puts right the
/// transfers of an instance that stopped renewing its own (an upload goes back to queued, an import back in line).
/// </summary>
public sealed class TransferHeartbeat(
    TransferLedger ledger,
    ActiveTransfers transfers,
    UrlImportQueue imports,
    IDbContextFactory<PortalDbContext> dbFactory,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ILogger<TransferHeartbeat> logger) : BackgroundService
{
    private TimeSpan Interval => TimeSpan.FromSeconds(options.Value.Instances.HeartbeatSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await BeatAsync(stoppingToken);
                await Task.Delay(Interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the running transfers stop with the host and give their rows back themselves.
        }
    }

    /// <summary>One beat; returns how many transfers of dead instances it put right.</summary>
    public async Task<int> BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (imageId, by) in await ledger.HeartbeatAsync(cancellationToken))
            {
                transfers.Cancel(imageId, by);
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var recovered = await InterruptedTransfers.RecoverAbandonedAsync(db, ledger, imports, clock.GetUtcNow().UtcDateTime, cancellationToken);
            if (recovered > 0)
            {
                logger.LogWarning("{Count} transfers of a portal instance that stopped renewing them were put back", recovered);
            }

            return recovered;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A database that cannot be written for a moment is tried again next beat; a lease outlives several beats.
            logger.LogError(e, "The transfer heartbeat failed");
            return 0;
        }
    }
}
