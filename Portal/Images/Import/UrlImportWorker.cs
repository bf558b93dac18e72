using System.Threading.Channels;
using Portal.Images.Transfer;

namespace Portal.Images.Import;

/// <summary>Images waiting for their URL to be downloaded.</summary>
public sealed class UrlImportQueue
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();

    public void Enqueue(Guid imageId) => _queue.Writer.TryWrite(imageId);

    internal ChannelReader<Guid> Reader => _queue.Reader;
}

/// <summary>
/// Downloads queued URL imports in the background, a few at a time, through <see cref="UrlDownloader"/> and the
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
            await foreach (var imageId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ImportAsync(imageId, stoppingToken);
                    }
                    finally
                    {
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

    private async Task ImportAsync(Guid imageId, CancellationToken stoppingToken)
    {
        try
        {
            await transfers.ImportAsync(imageId, downloader, stoppingToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The transfer service has already put the image back (or killed it) with the reason.
            logger.LogDebug(e, "Import of image {ImageId} ended without data", imageId);
        }
    }
}
