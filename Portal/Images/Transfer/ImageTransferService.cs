using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Activity;
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
    public Task<ImageDownload> OpenDownloadAsync(Caller caller, Guid id, CancellationToken cancellationToken = default) =>
        OpenDownloadAsync(caller, id, range: null, readAhead: true, cancellationToken);

    /// <summary>
    /// Opens an image's data for download; with <paramref name="readAhead"/> the store is opened at once for
    /// <paramref name="range"/> (the whole data when null or not satisfiable), otherwise only when the stream is read.
    /// </summary>
    public async Task<ImageDownload> OpenDownloadAsync(
        Caller caller, Guid id, ByteRange? range, bool readAhead, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken)
            ?? throw new ImageNotFoundException(id);
        image.Enforce(ImageAction.Download, caller);

        // Glance answers 204 when the store has nothing for an image, whatever its record says.
        var length = await store.LengthOfAsync(id, cancellationToken)
            ?? throw new ImageRuleException(Rules.RefusalCode.NoData, ImagePolicy.NothingToDownload);
        var data = new StoredDataStream(store, id, length);
        if (readAhead && length > 0)
        {
            try
            {
                var (offset, count) = range?.Within(length) ?? (0, length);
                await data.OpenAsync(offset, count, cancellationToken);
            }
            catch
            {
                await data.DisposeAsync();
                throw;
            }
        }

        return new ImageDownload(image, data);
    }

    /// <summary>
    /// Receives an upload's bytes for a queued image of the caller's. <paramref name="asked"/> is what the request itself
    /// asks (a checksum, decompression), on top of what the image was created with.
    /// </summary>
    public async Task<Image> UploadAsync(
        Caller caller, Guid imageId, Stream body, long? contentLength, CancellationToken cancellationToken, DataExpectations? asked = null)
    {
        // Taken before the image moves to saving: a refused upload leaves the image as it was.
        using var slot = await TakeUploadSlotAsync(caller, imageId);
        var target = await BeginUploadAsync(caller, imageId, cancellationToken);
        using var session = Start(target, cancellationToken);
        try
        {
            var expect = ExpectationsOf(target.Image, asked ?? DataExpectations.None, name: null);
            return await ReceiveAsync(session, new TransferSource(body, contentLength), expect, caller, cancellationToken);
        }
        catch (Exception e)
        {
            await StoppedAsync(session, e, caller);
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
            return await ReceiveAsync(session, source, ExpectationsOf(image, DataExpectations.None, url), actor: null, cancellationToken);
        }
        catch (Exception e)
        {
            await StoppedAsync(session, e, actor: null);
            throw;
        }
    }

    /// <summary>What the image was created with, and what the request asks on top (its checksum wins; either may ask to decompress).</summary>
    private static DataExpectations ExpectationsOf(Image image, DataExpectations asked, string? name) => new(
        asked.Checksum ?? Images.ExpectedChecksum.FromStored(image.ExpectedDataChecksum),
        asked.Decompress || image.DecompressData,
        Compression.SourceCompressions.FromName(name));

    /// <summary>Puts an image whose transfer is not running any more back to queued with the reason.</summary>
    public Task AbandonAsync(Guid imageId, string reason) => GiveUpAsync(imageId, reason, permanent: false, actor: null);

    private async Task<ActiveTransfers.UploadSlot> TakeUploadSlotAsync(Caller caller, Guid imageId)
    {
        try
        {
            return transfers.TakeUploadSlot(caller.AccountId, options.Value.Images.MaxConcurrentUploadsPerAccount);
        }
        catch (Rules.RefusedException refused)
        {
            await RecordRefusedUploadAsync(caller, imageId, refused.Message);
            throw;
        }
    }

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
            try
            {
                image.BeginTransfer(caller, ImageStatus.Saving, Now);
            }
            catch (ImageRuleException refused)
            {
                await RecordRefusedUploadAsync(caller, imageId, refused.Message);
                throw;
            }

            db.RecordActivity(image.Id, ImageActivityKind.UploadStarted, caller, Now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return TransferTarget.Of(image);
            }
            catch (DbUpdateConcurrencyException) when (attempt < ImageService.MaxChangeAttempts)
            {
                // Someone else's change came first; decide again on the row as it is now (the entry goes with this context).
            }
            catch (DbUpdateConcurrencyException)
            {
                var conflict = new ImageConflictException();
                await RecordRefusedUploadAsync(caller, imageId, conflict.Message);
                throw conflict;
            }
        }
    }

    private TransferSession Start(TransferTarget target, CancellationToken cancellationToken) =>
        new(target, transfers, quota, store, events, clock, options.Value.Images, options.Value.Storage.FreeSpaceReserveBytes, cancellationToken);

    /// <summary>
    /// An upload refused before any data moved (too many uploads, an image that cannot take data, another upload won the
    /// race) changes nothing, but the attempt and its reason go in the log — where the one refused may read it, so that
    /// nobody can write into the log of an image that is not theirs.
    /// </summary>
    private async Task RecordRefusedUploadAsync(Caller caller, Guid imageId, string reason)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId, CancellationToken.None);
        if (image is null || !image.DecideActivity(caller).Allowed)
        {
            return;
        }

        db.RecordActivity(imageId, ImageActivityKind.UploadRefused, caller, Now, reason);
        await db.SaveChangesAsync(CancellationToken.None);
        events.Publish(ImageChange.Of(image));
    }

    /// <summary>Streams the data in, then activates the image.</summary>
    private async Task<Image> ReceiveAsync(
        TransferSession session, TransferSource source, DataExpectations expect, Caller? actor, CancellationToken cancellationToken)
    {
        var stored = await session.ReceiveAsync(source, expect);
        var image = await CompleteAsync(session, stored, actor, cancellationToken);
        session.Commit(stored.Size);
        logger.LogInformation("Image {ImageId} received {Bytes} bytes ({Format}, compression {Compression}) in {Seconds:0.0} s",
            session.ImageId, stored.Size, stored.DetectedFormat, session.Compression, (Now - session.StartedAt).TotalSeconds);
        return image;
    }

    /// <summary>Puts the image of a transfer that failed back to queued (or kills it) with the reason.</summary>
    private async Task StoppedAsync(TransferSession session, Exception e, Caller? actor)
    {
        var (reason, permanent) = Explain(e, session.CancelledByUser, session.Kind);
        logger.Log(e is Rules.RefusedException or TransferInterruptedException or ImportFailedException or OperationCanceledException
            ? LogLevel.Information : LogLevel.Error, e, "Transfer of image {ImageId} stopped: {Reason}", session.ImageId, reason);
        ImageActivityKind? happened = (session.Kind, e) switch
        {
            (TransferKind.Upload, ImageTransferRefusedException) => ImageActivityKind.UploadRefused,
            (TransferKind.Import, OperationCanceledException) when session.CancelledByUser => ImageActivityKind.ImportCancelled,
            _ => null,
        };
        await GiveUpAsync(session.ImageId, reason, permanent, happened == ImageActivityKind.ImportCancelled ? session.CancelledBy : actor, happened);
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

    private async Task<Image> CompleteAsync(TransferSession session, ImageData data, Caller? actor, CancellationToken cancellationToken)
    {
        var imageId = session.ImageId;
        var finished = session.Kind == TransferKind.Import ? ImageActivityKind.ImportFinished : ImageActivityKind.UploadFinished;
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var image = await db.Images.SingleAsync(i => i.Id == imageId, CancellationToken.None);
            if (!image.Status.IsReceivingData())
            {
                // Deleted while the data streamed in: the data has nothing to belong to.
                await store.DeleteAsync(imageId, CancellationToken.None);
                throw new ImageNotFoundException(imageId);
            }

            image.CompleteTransfer(data, Now);
            db.RecordActivity(imageId, finished, actor, Now, ImageActivityLog.DataDetail(data.Size, data.DetectedFormat));
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

    /// <summary>
    /// Puts an image that was receiving data back to queued (killed when <paramref name="permanent"/>), with its activity:
    /// <paramref name="happened"/>, or by default that the upload or import failed.
    /// </summary>
    private async Task GiveUpAsync(Guid imageId, string reason, bool permanent, Caller? actor, ImageActivityKind? happened = null)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var image = await db.Images.SingleOrDefaultAsync(i => i.Id == imageId, CancellationToken.None);
            if (image is null || !image.Status.IsReceivingData())
            {
                return;
            }

            db.RecordActivity(imageId,
                happened ?? (image.Status == ImageStatus.Importing ? ImageActivityKind.ImportFailed : ImageActivityKind.UploadFailed),
                actor, Now, happened == ImageActivityKind.ImportCancelled ? null : reason);
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
