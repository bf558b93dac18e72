using Microsoft.Extensions.Options;
using Portal.Configuration;

namespace Portal.Images.Integrity;

/// <summary>
/// Re-hashes every active and deactivated image once per <see cref="IntegrityOptions.IntervalHours"/>, the least
/// recently verified first, at the checker's read limit; then sleeps until the next image falls due.
/// </summary>
public sealed class IntegrityCheckWorker(
    ImageIntegrityChecker checker,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ILogger<IntegrityCheckWorker> logger) : BackgroundService
{
    private TimeSpan Interval => TimeSpan.FromHours(options.Value.Integrity.IntervalHours);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval <= TimeSpan.Zero)
        {
            logger.LogInformation("The integrity check job is off (Portal:Integrity:IntervalHours is 0)");
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = await RunOnceAsync(stoppingToken);
                await Task.Delay(wait, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: a check cut short records nothing and is simply done again next time.
        }
    }

    /// <summary>Checks the images that are due and answers how long to sleep until the next one is.</summary>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken cancellationToken)
    {
        TimeSpan next;
        try
        {
            var summary = await checker.CheckDueAsync(clock.GetUtcNow().UtcDateTime - Interval, cancellationToken);
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
            next = TimeSpan.FromMinutes(10);
        }

        // Never spin: an image that stays due (say, it cannot be read) is retried at most once a minute. Waking at least
        // daily keeps the wait within what a timer accepts, whatever the interval.
        var longest = Interval < TimeSpan.FromDays(1) ? Interval : TimeSpan.FromDays(1);
        return next < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : next > longest ? longest : next;
    }
}
