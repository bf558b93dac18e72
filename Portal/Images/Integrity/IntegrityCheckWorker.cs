using Microsoft.Extensions.Options;
using Portal.Configuration;

namespace Portal.Images.Integrity;

/// <summary>
/// Re-hashes every active and deactivated image once per <see cref="IntegrityOptions.IntervalHours"/>, the least
/// recently verified first, at the checker's read limit; then sleeps until the next image falls due, or until the
/// operator asks for every image to be verified now (which also works with the periodic job switched off). With several
/// instances on one database, a round runs under the job's lease: one instance re-hashes at a time, and the operator's
/// request is run by the instance it was made on (whose page shows its progress) as soon as it can take the lease.
/// </summary>
public sealed class IntegrityCheckWorker(
    ImageIntegrityChecker checker,
    Coordination.JobLeases leases,
    IntegrityCheckRequests requests,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ILogger<IntegrityCheckWorker> logger) : BackgroundService
{
    public const string JobName = "integrity-check";

    private TimeSpan Interval => TimeSpan.FromHours(options.Value.Integrity.IntervalHours);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var periodic = Interval > TimeSpan.Zero;
        if (!periodic)
        {
            logger.LogInformation("The periodic integrity check is off (Portal:Integrity:IntervalHours is 0); the operator's Verify all images still runs");
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = await RunOnceAsync(stoppingToken);
                // A request that waits for another instance's round to end is tried again after the wait, periodic job or not.
                await requests.WaitAsync(periodic || requests.IsPending ? wait : null, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: a check cut short records nothing and is simply done again next time.
        }
    }

    /// <summary>
    /// Checks the images that are due — all of them verified before the operator's request, if one is waiting — and
    /// answers how long to sleep until the next one is.
    /// </summary>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!requests.IsPending && Interval <= TimeSpan.Zero)
        {
            return TimeSpan.FromDays(1);
        }

        TimeSpan? next = null;
        var ran = await leases.RunAsync(JobName, async held => next = await RunHeldAsync(held), cancellationToken);
        if (!ran)
        {
            // Another instance runs the check now: a request made here waits for a heartbeat, the periodic round for longer.
            return requests.IsPending ? TimeSpan.FromSeconds(options.Value.Instances.HeartbeatSeconds) : Bound(TimeSpan.FromMinutes(10));
        }

        return Bound(next!.Value);
    }

    private async Task<TimeSpan> RunHeldAsync(CancellationToken cancellationToken)
    {
        var full = requests.Take();
        if (full is null && Interval <= TimeSpan.Zero)
        {
            return TimeSpan.FromDays(1);
        }

        TimeSpan next;
        try
        {
            var verifiedBefore = full?.RequestedAt ?? clock.GetUtcNow().UtcDateTime - Interval;
            var summary = await checker.CheckDueAsync(
                verifiedBefore, cancellationToken, full is null ? null : (done, total) => requests.Progress(full, done, total));
            if (full is not null)
            {
                requests.Finished(full, summary);
            }

            if (summary.Checked > 0)
            {
                logger.LogInformation(
                    "Integrity check: {Checked} images verified, {Intact} intact, {Missing} with missing data, {WrongSize} with the wrong size, {Mismatch} with a checksum mismatch",
                    summary.Checked, summary.Intact, summary.DataMissing, summary.WrongSize, summary.ChecksumMismatch);
            }

            var (any, oldest) = await checker.OldestCheckAsync(cancellationToken);
            next = !any ? Interval : oldest is { } checkedAt ? checkedAt + Interval - clock.GetUtcNow().UtcDateTime : TimeSpan.Zero;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A store or database that cannot be read now (a remount, a full disk) is tried again later; a background
            // job that threw would stop the whole portal.
            logger.LogError(e, "The integrity check round failed");
            if (full is not null)
            {
                requests.Failed(full, "The check stopped because the image store or the database could not be read; see the portal's log. Ask again later.");
            }

            next = TimeSpan.FromMinutes(10);
        }

        return next;
    }

    private TimeSpan Bound(TimeSpan next)
    {
        // Never spin: an image that stays due (say, it cannot be read) is retried at most once a minute. Waking at least
        // daily keeps the wait within what a timer accepts, whatever the interval.
        var longest = Interval > TimeSpan.Zero && Interval < TimeSpan.FromDays(1) ? Interval : TimeSpan.FromDays(1);
        return next < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : next > longest ? longest : next;
    }
}
