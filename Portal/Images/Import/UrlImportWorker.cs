using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Transfer;
using Portal.Rules;

namespace Portal.Images.Import;

/// <summary>
/// Images waiting for their URL to be downloaded, kept in the database so that every instance of the portal serves one
/// line: an image is in line while it is importing and no instance runs its transfer (<see cref="TransferLedger"/>). An
/// account runs at most <see cref="ImportOptions.MaxRunningPerAccount"/> imports at once, across instances, and may have
/// at most <see cref="ImportOptions.MaxQueuedPerAccount"/> waiting: one account's hundred imports must not take every slot
/// of the platform, and the accounts with work waiting take turns (the one with the fewest running goes first). Taking an
/// image from the line is the insert of its ledger row, decided in the account's turn, so two instances never run the same import.
/// </summary>
public sealed class UrlImportQueue(
    IDbContextFactory<PortalDbContext> dbFactory,
    TransferLedger ledger,
    TimeProvider clock,
    IOptions<ImportOptions> options,
    IOptions<PortalOptions> portalOptions)
{
    /// <summary>What the details page says of an import still in line.</summary>
    public const string WaitingForTurn = "Waiting for its turn: your account's other imports are running; this one starts when one of them finishes.";

    /// <summary>How many of the oldest waiting images one look at the line considers.</summary>
    private const int Window = 200;

    private readonly SemaphoreSlim _changed = new(0);

    private int MaxQueued => options.Value.MaxQueuedPerAccount;

    private int MaxRunning => options.Value.MaxRunningPerAccount;

    /// <summary>How often an idle worker looks at the line for imports another instance put there.</summary>
    private TimeSpan PollInterval => TimeSpan.FromSeconds(portalOptions.Value.Instances.HeartbeatSeconds);

    private static IQueryable<Image> Waiting(PortalDbContext db, DateTime now) =>
        db.Images.Where(i => i.Status == ImageStatus.Importing
            && !db.TransferReservations.Any(r => r.ImageId == i.Id && r.LeasedUntil > now));

    /// <summary>Whether the account may put one more import in line; checked before the image is created or retried.</summary>
    public async Task<Decision> DecideEnqueueAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        await WaitingOfAsync(accountId, cancellationToken) >= MaxQueued ? TooManyWaiting() : Decision.Allow;

    private Decision TooManyWaiting() =>
        Decision.Refuse(RefusalCode.TooMany, $"You already have {MaxQueued} imports waiting; wait for one to finish.");

    /// <summary>
    /// For imports put back in line together (start-up, a dead instance's): how many more of each account's fit in its
    /// line, not counting <paramref name="returning"/> themselves.
    /// </summary>
    internal async Task<Dictionary<Guid, int>> RoomAsync(IReadOnlyCollection<Image> returning, CancellationToken cancellationToken)
    {
        var ids = returning.Select(i => i.Id).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = new Dictionary<Guid, int>();
        foreach (var owner in returning.Select(i => i.Owner).Distinct())
        {
            var waiting = await Waiting(db, now).CountAsync(i => i.Owner == owner && !ids.Contains(i.Id), cancellationToken);
            room[owner] = Math.Max(0, MaxQueued - waiting);
        }

        return room;
    }

    /// <summary>The image was put in line (saved as importing): wakes this instance's worker; the others find it when they next look.</summary>
    public void Wake() => _changed.Release();

    /// <summary>The image is in line, waiting for one of its account's import slots.</summary>
    public async Task<bool> IsWaitingAsync(Guid imageId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Waiting(db, now).AnyAsync(i => i.Id == imageId, cancellationToken);
    }

    /// <summary>The account's imports in line (not yet running).</summary>
    public async Task<int> WaitingOfAsync(Guid accountId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Waiting(db, now).CountAsync(i => i.Owner == accountId, cancellationToken);
    }

    /// <summary>The next image whose account has a free slot, the accounts taking turns; its slot is held until it is handed back.</summary>
    internal async Task<TransferClaim?> TryTakeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<(Guid Id, Guid Owner)> line;
        Dictionary<Guid, int> running;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            line = (await Waiting(db, now).OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id).Take(Window)
                .Select(i => new { i.Id, i.Owner }).ToListAsync(cancellationToken)).Select(i => (i.Id, i.Owner)).ToList();
            var owners = line.Select(i => i.Owner).Distinct().ToList();
            running = (await db.TransferReservations
                    .Where(r => r.Kind == TransferKind.Import && r.LeasedUntil > now && owners.Contains(r.AccountId))
                    .GroupBy(r => r.AccountId).Select(g => new { Account = g.Key, Count = g.Count() })
                    .ToListAsync(cancellationToken))
                .ToDictionary(r => r.Account, r => r.Count);
        }

        // The account with the fewest imports running goes first; between equals, the one waiting longest.
        var turns = line.Select((image, position) => (image, position))
            .Where(e => running.GetValueOrDefault(e.image.Owner) < MaxRunning)
            .OrderBy(e => running.GetValueOrDefault(e.image.Owner)).ThenBy(e => e.position);
        foreach (var (image, _) in turns)
        {
            if (await ledger.TryBeginImportAsync(image.Id, image.Owner, MaxRunning, cancellationToken) is { } claim)
            {
                return claim;
            }
        }

        return null;
    }

    /// <summary>Waits for the next image that may start.</summary>
    internal async Task<TransferClaim> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await TryTakeAsync(cancellationToken) is { } claim)
            {
                return claim;
            }

            // Woken by an import put in line or finished here; imports of other instances are seen at the next look.
            await _changed.WaitAsync(PollInterval, cancellationToken);
        }
    }

    /// <summary>The import ended: its slot goes back and the line is looked at again.</summary>
    internal async Task FinishedAsync(TransferClaim claim)
    {
        await ledger.EndAsync(claim);
        _changed.Release();
    }
}

/// <summary>
/// Downloads queued URL imports in the background, a few at a time for the whole platform (and no more than each
/// account's share, which <see cref="UrlImportQueue"/> keeps), through <see cref="UrlDownloader"/> and the
/// same transfer path as uploads (hashing, size limit, no partial files).
/// </summary>
public sealed class UrlImportWorker(
    UrlImportQueue queue,
    UrlDownloader downloader,
    ImageTransferService transfers,
    ILogger<UrlImportWorker> logger) : BackgroundService
{
    public const int ParallelImports = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(ParallelImports);
        var running = new List<Task>();
        try
        {
            while (true)
            {
                await slots.WaitAsync(stoppingToken);
                TransferClaim claim;
                try
                {
                    claim = await TakeAsync(stoppingToken);
                }
                catch
                {
                    slots.Release();
                    throw;
                }

                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ImportAsync(claim, stoppingToken);
                    }
                    finally
                    {
                        await queue.FinishedAsync(claim);
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the running imports see the same token and put their images back.
        }

        await Task.WhenAll(running);
    }

    /// <summary>The next import to run; a database that cannot be read now is asked again a little later.</summary>
    private async Task<TransferClaim> TakeAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await queue.TakeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The import queue could not be read; trying again shortly");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task ImportAsync(TransferClaim claim, CancellationToken stoppingToken)
    {
        try
        {
            await transfers.ImportAsync(claim.ImageId, downloader, stoppingToken, claim);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The transfer service has already put the image back (or killed it) with the reason.
            logger.LogDebug(e, "Import of image {ImageId} ended without data", claim.ImageId);
        }
    }
}
