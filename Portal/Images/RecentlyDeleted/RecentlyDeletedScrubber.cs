using Microsoft.Extensions.Options;
using Portal.Configuration;

namespace Portal.Images.RecentlyDeleted;

/// <summary>
/// Every <see cref="ImageLimitOptions.ScrubIntervalMinutes"/>, removes the data of recently deleted images whose restore
/// window has passed and marks them deleted (<see cref="ImageService.ScrubExpiredAsync"/>). With several instances on one
/// database, a round runs on whichever instance takes the job's lease; the others skip it.
/// </summary>
public sealed class RecentlyDeletedScrubber(
    ImageService images,
    Coordination.JobLeases leases,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ILogger<RecentlyDeletedScrubber> logger) : BackgroundService
{
    public const string JobName = "recently-deleted-scrubber";

    private TimeSpan Interval => TimeSpan.FromMinutes(options.Value.Images.ScrubIntervalMinutes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(Interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: an image not reached this round is removed by the next start's first round.
        }
    }

    /// <summary>One round; how many images it removed (0 when the round failed or another instance runs it).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var removed = 0;
            await leases.RunAsync(JobName, async held => removed = await images.ScrubExpiredAsync(held), cancellationToken);
            return removed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A database or store that cannot be written now is tried again next round; a background job that threw
            // would stop the whole portal. Until then the data simply stays (and keeps counting) a little longer.
            logger.LogError(e, "The Recently deleted scrubber's round failed");
            return 0;
        }
    }
}
