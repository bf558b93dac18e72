using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Import;
using Portal.Images.Usage;

namespace Portal.Images.Transfer;

/// <summary>
/// Moves image data into the store — from an upload or a URL import — and the image through
/// queued → saving/importing → active, or back to queued (killed for a source that can never work)
/// with the reason, leaving no partial file behind.
/// </summary>
public sealed class ImageTransferService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IImageStore store,
    TimeProvider clock,
    IOptions<PortalOptions> options,
    ImageEvents events,
    ActiveTransfers transfers,
    StorageQuota quota,
    ILogger<ImageTransferService> logger)
{
    public const string UploadStoppedReason =
        "The upload stopped before it finished (it was aborted or the connection was lost). Upload the file again.";

    public const string ImportCancelledReason = "The import was cancelled.";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Opens an image's data for download, once the policy allows it (<see cref="ImageAction.Download"/>). The stream
    /// reads the store directly: nothing is buffered beyond the store's own read buffer, whatever the image's size.
    /// </summary>
    public async Task<ImageDownload> OpenDownloadAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken)
            ?? throw new ImageNotFoundException(id);
        image.Enforce(ImageAction.Download, caller);

        // Glance answers 204 when the store has nothing for an image, whatever its record says.
        var data = store.OpenRead(id) ?? throw new ImageRuleException(Rules.RefusalCode.NoData, ImagePolicy.NothingToDownload);
        return new ImageDownload(image, data);
    }

    /// <summary>Receives an upload's bytes for a queued image of the caller's.</summary>
    public async Task<Image> UploadAsync(Caller caller, Guid imageId, Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        // Taken before the image moves to saving: a refused upload leaves the image as it was.
        using var slot = transfers.TakeUploadSlot(caller.AccountId, options.Value.Images.MaxConcurrentUploadsPerAccount);
        var target = await BeginUploadAsync(caller, imageId, cancellationToken);
        using var session = Start(target, cancellationToken);
        try
        {
            return await ReceiveAsync(session, new TransferSource(body, contentLength), cancellationToken);
        }
        catch (Exception e)
        {
            await StoppedAsync(session, e);
            throw;
        }
    }

    /// <summary>
    /// Downloads the data of an importing image from its URL (through the SSRF-safe downloader); null when the image
    /// is no longer importing (cancelled or deleted while it waited for its turn).
    /// </summary>
    public async Task<Image?> ImportAsync(Guid imageId, UrlDownloader downloader, CancellationToken cancellationToken)
    {
        Image? image;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken);
        }

        if (image is not { Status: ImageStatus.Importing, ImportUrl: { } url })
        {
            return null;
        }

        using var session = Start(TransferTarget.Of(image), cancellationToken);
        try
        {
            await using var source = TransferSource.Of(await downloader.OpenAsync(url, session.Token));
            return await ReceiveAsync(session, source, cancellationToken);
        }
        catch (Exception e)
        {
            await StoppedAsync(session, e);
            throw;
        }
    }

    /// <summary>Puts an image whose transfer is not running any more back to queued with the reason.</summary>
    public Task AbandonAsync(Guid imageId, string reason) => GiveUpAsync(imageId, reason, permanent: false);

    /// <summary>
    /// Moves a queued image to saving: from here on nobody else can send it data. The move is a conditional update (the
    /// row's version), so of two uploads starting at once only one gets through; one that loses to any other change
    /// (another upload, or just a rename) is decided again on the fresh row, and refused only if the image no longer
    /// waits for data.
    /// </summary>
    private async Task<TransferTarget> BeginUploadAsync(Caller caller, Guid imageId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var image = await db.Images.SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken)
                ?? throw new ImageNotFoundException(imageId);
            image.BeginTransfer(caller, ImageStatus.Saving, Now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return TransferTarget.Of(image);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Someone else's change came first; decide again on the row as it is now.
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ImageConflictException();
            }
        }
    }

    private TransferSession Start(TransferTarget target, CancellationToken cancellationToken) =>
        new(target, transfers, quota, store, events, clock, options.Value.Images, options.Value.Storage.FreeSpaceReserveBytes, cancellationToken);

    /// <summary>Streams the data in, then activates the image.</summary>
    private async Task<Image> ReceiveAsync(TransferSession session, TransferSource source, CancellationToken cancellationToken)
    {
        var stored = await session.ReceiveAsync(source);
        var image = await CompleteAsync(session.ImageId, stored, cancellationToken);
        session.Commit(stored.Size);
        logger.LogInformation("Image {ImageId} received {Bytes} bytes ({Format}) in {Seconds:0.0} s",
            session.ImageId, stored.Size, stored.DetectedFormat, (Now - session.StartedAt).TotalSeconds);
        return image;
    }

    /// <summary>Puts the image of a transfer that failed back to queued (or kills it) with the reason.</summary>
    private async Task StoppedAsync(TransferSession session, Exception e)
    {
        var (reason, permanent) = Explain(e, session.CancelledByUser, session.Kind);
        logger.Log(e is Rules.RefusedException or TransferInterruptedException or ImportFailedException or OperationCanceledException
            ? LogLevel.Information : LogLevel.Error, e, "Transfer of image {ImageId} stopped: {Reason}", session.ImageId, reason);
        await GiveUpAsync(session.ImageId, reason, permanent);
    }

    private static (string Reason, bool Permanent) Explain(Exception e, bool cancelledByUser, TransferKind kind) => e switch
    {
        // The portal's refusals (size, quota, format) can be put right with other data: the image waits for it.
        ImageTransferRefusedException refused => (refused.Message, false),
        TransferInterruptedException interrupted => (interrupted.Message, false),
        ImportFailedException failed => (failed.Message, failed.Permanent),
        OperationCanceledException when cancelledByUser => (ImportCancelledReason, false),
        OperationCanceledException => (kind.StoppedReason(), false),
        IOException io => ($"The portal could not store the data ({io.Message}). Please try again later.", false),
        _ => ("Something went wrong on our side while storing the data. Please try again.", false),
    };

    private async Task<Image> CompleteAsync(Guid imageId, ImageData data, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var image = await db.Images.SingleAsync(i => i.Id == imageId, CancellationToken.None);
            if (!image.Status.IsReceivingData())
            {
                // Deleted while the data streamed in: the data has nothing to belong to.
                store.Delete(imageId);
                throw new ImageNotFoundException(imageId);
            }

            image.CompleteTransfer(data, Now);
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
                events.Publish(ImageChange.Of(image));
                return image;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Someone edited the name or description meanwhile: apply the completion to the fresh row.
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private async Task GiveUpAsync(Guid imageId, string reason, bool permanent)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var image = await db.Images.SingleOrDefaultAsync(i => i.Id == imageId, CancellationToken.None);
            if (image is null || !image.Status.IsReceivingData())
            {
                return;
            }

            if (permanent)
            {
                image.Kill(reason, Now);
            }
            else
            {
                image.AbandonTransfer(reason, Now);
            }

            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
                events.Publish(ImageChange.Of(image));
                return;
            }
            catch (DbUpdateConcurrencyException)
            {
                // Edited meanwhile; try again on the fresh row.
            }
        }

        logger.LogError("Image {ImageId} could not be put back after a failed transfer", imageId);
    }
}
