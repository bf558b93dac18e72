using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Coordination;
using Portal.Data;

namespace Portal.Images;

/// <summary>
/// Live updates across instances: every <see cref="InstanceOptions.ChangePollMilliseconds"/>, reads the image changes
/// other instances saved (<see cref="ImageChangeRecord"/>), reloads those images and tells this instance's open pages, as
/// if the change had been made here. The database is the source of truth and the same query works on every engine;
/// PostgreSQL's LISTEN/NOTIFY would save the poll but exists nowhere else.
/// </summary>
public sealed class ImageChangePoller(
    IDbContextFactory<PortalDbContext> dbFactory,
    ImageEvents events,
    PortalInstance instance,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ILogger<ImageChangePoller> logger) : BackgroundService
{
    /// <summary>
    /// A change whose transaction commits late may carry a lower sequence than one already read (sequences are handed
    /// out at insert, not at commit, on engines with concurrent writers): rows this recent are read again, each told once.
    /// </summary>
    private static readonly TimeSpan LateCommits = TimeSpan.FromSeconds(10);

    private const int BatchSize = 500;

    private readonly Dictionary<long, DateTime> _told = [];
    private long _horizon = -1;
    private DateTime _prunedAt = DateTime.MinValue;

    private InstanceOptions Settings => options.Value.Instances;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PollAsync(stoppingToken);
                    await PruneAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A database that cannot be read for a moment: the next poll picks up where this one stopped.
                    logger.LogWarning(e, "Reading other instances' image changes failed");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Settings.ChangePollMilliseconds), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One poll: tells this instance's pages of the changes other instances saved since the last; returns how many images.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (_horizon < 0)
        {
            // Pages open from now on: what happened before they opened they read from the database anyway.
            _horizon = await db.Set<ImageChangeRecord>().MaxAsync(r => (long?)r.Sequence, cancellationToken) ?? 0;
            return 0;
        }

        var me = instance.Id;
        var horizon = _horizon;
        var rows = await db.Set<ImageChangeRecord>().AsNoTracking()
            .Where(r => r.Sequence > horizon && r.Origin != me)
            .OrderBy(r => r.Sequence)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var fresh = rows.Where(r => !_told.ContainsKey(r.Sequence)).ToList();
        foreach (var row in fresh)
        {
            _told[row.Sequence] = now;
        }

        // The horizon moves past what was read long enough ago that no late commit can land below it any more.
        foreach (var (sequence, toldAt) in _told.ToList())
        {
            if (now - toldAt > LateCommits)
            {
                _horizon = Math.Max(_horizon, sequence);
                _told.Remove(sequence);
            }
        }

        if (rows.Count == BatchSize && fresh.Count == 0)
        {
            // A full batch of rows told already: nothing can be below them any more.
            _horizon = rows[^1].Sequence;
        }

        if (fresh.Count == 0)
        {
            return 0;
        }

        var ids = fresh.Select(r => r.ImageId).Distinct().ToList();
        var images = await db.Images.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        foreach (var id in ids)
        {
            if (!images.TryGetValue(id, out var image))
            {
                continue;
            }

            var changes = fresh.Where(r => r.ImageId == id).ToList();
            var before = image.AsBefore(
                changes.Select(c => c.PreviousStatus).FirstOrDefault(s => s is not null) ?? image.Status,
                changes.Select(c => c.PreviousVisibility).FirstOrDefault(v => v is not null) ?? image.Visibility,
                changes.Select(c => c.FormerMember).FirstOrDefault(m => m is not null));
            events.Publish(ImageChange.Of(before, image));
        }

        return ids.Count;
    }

    /// <summary>Removes feed rows older than the retention, about once a minute (any instance may; the rows are the same).</summary>
    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - _prunedAt < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _prunedAt = now;
        var before = now - TimeSpan.FromMinutes(Settings.ChangeFeedRetentionMinutes);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<ImageChangeRecord>().Where(r => r.ChangedAt < before).ExecuteDeleteAsync(cancellationToken);
    }
}
