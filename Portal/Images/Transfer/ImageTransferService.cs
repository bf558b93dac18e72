using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Formatting;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Import;
using Portal.Images.Inspection;
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
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    public const string UploadStoppedReason =
        "The upload stopped before it finished (it was aborted or the connection was lost). Upload the file again.";

    public const string ImportCancelledReason = "The import was cancelled.";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private long MaxImageSize => options.Value.Images.MaxImageSizeBytes;

    /// <summary>Receives an upload's bytes for a queued image of the caller's.</summary>
    public async Task<Image> UploadAsync(Caller caller, Guid imageId, Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        var target = await BeginUploadAsync(caller, imageId, cancellationToken);
        return await ReceiveAsync(target, _ => Task.FromResult(new OpenedSource(body, contentLength)), cancellationToken);
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

        return await ReceiveAsync(TransferTarget.Of(image), async token =>
        {
            var response = await downloader.OpenAsync(url, token);
            return new OpenedSource(response.Content, response.ContentLength, response);
        }, cancellationToken);
    }

    /// <summary>Puts an image whose transfer is not running any more back to queued with the reason.</summary>
    public Task AbandonAsync(Guid imageId, string reason) => GiveUpAsync(imageId, reason, permanent: false);

    /// <summary>Moves a queued image to saving: from here on nobody else can send it data.</summary>
    private async Task<TransferTarget> BeginUploadAsync(Caller caller, Guid imageId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken);
        if (image is null)
        {
            throw new ImageNotFoundException(imageId);
        }

        image.BeginTransfer(caller, ImageStatus.Saving, Now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ImageRuleException(Rules.RefusalCode.InvalidState, "This image is already receiving data.");
        }

        events.Publish(ImageChange.Of(image, new TransferProgress(0, null, Now)));
        return TransferTarget.Of(image);
    }

    /// <summary>What a transfer needs to know of its image, read once as it starts.</summary>
    private sealed record TransferTarget(Image Image, Guid ImageId, Guid Owner, ImageStatus Status, DiskFormat Declared)
    {
        public static TransferTarget Of(Image image) => new(image.Snapshot(), image.Id, image.Owner, image.Status, image.DiskFormat);
    }

    /// <summary>Streams the data of an image that is saving or importing, then activates it or puts it back.</summary>
    private async Task<Image> ReceiveAsync(TransferTarget target, Func<CancellationToken, Task<OpenedSource>> open, CancellationToken cancellationToken)
    {
        var started = Now;
        var (snapshot, imageId, owner, status, declared) = target;
        using var registration = transfers.Register(imageId, started, cancellationToken);
        var inspector = new ImageFormatInspector();

        // Only private images count against the account's quota; the operator's public catalog does not.
        using var reservation = snapshot.IsAccountOwned()
            ? await quota.OpenAsync(owner, imageId, status == ImageStatus.Importing ? "import" : "upload", cancellationToken)
            : null;
        try
        {
            await using var source = await open(registration.Token);
            var expectedLength = source.Length;
            registration.ExpectTotal(expectedLength);
            if (expectedLength > MaxImageSize)
            {
                throw TooLarge(expectedLength.Value);
            }

            if (expectedLength is { } declaredLength)
            {
                // A known length is claimed up front: a parallel transfer cannot take the room meanwhile.
                reservation?.Claim(declaredLength);
            }

            ImageData stored;
            await using (var writer = store.BeginWrite(imageId))
            {
                var data = await ImageDataReceiver.ReceiveAsync(
                    source.Stream,
                    writer,
                    checkTotal: total =>
                    {
                        if (total > MaxImageSize)
                        {
                            throw TooLarge(total);
                        }

                        reservation?.Claim(Math.Max(total, expectedLength ?? 0));
                    },
                    observe: chunk => Inspect(inspector, chunk, declared),
                    progress: bytes => events.Publish(ImageChange.Of(snapshot, registration.Report(bytes))),
                    ProgressInterval,
                    registration.Token);

                if (expectedLength is { } expected && expected != data.Size)
                {
                    throw new TransferInterruptedException(
                        $"Only {Format.Bytes(data.Size)} of {Format.Bytes(expected)} arrived. Send the image again.");
                }

                // The bytes are judged before anything can boot from them: a refused image leaves no file.
                var detected = inspector.Complete();
                var verdict = FormatDecision.Decide(declared, detected);
                if (!verdict.Accepted)
                {
                    throw new ImageTransferRefusedException(verdict.RefusalReason!, TransferRefusal.BadData);
                }

                await writer.CommitAsync(registration.Token);
                stored = new ImageData(data.Size, data.Md5Hex, data.Sha512Hex, verdict.VirtualSize, detected.Description);
            }

            var image = await CompleteAsync(imageId, stored, cancellationToken);
            reservation?.Commit(stored.Size);
            logger.LogInformation("Image {ImageId} received {Bytes} bytes ({Format}) in {Seconds:0.0} s",
                imageId, stored.Size, stored.DetectedFormat, (Now - started).TotalSeconds);
            return image;
        }
        catch (Exception e)
        {
            var (reason, permanent) = Explain(e, registration.CancelledByUser, status);
            logger.Log(e is Rules.RefusedException or TransferInterruptedException or ImportFailedException or OperationCanceledException
                ? LogLevel.Information : LogLevel.Error, e, "Transfer of image {ImageId} stopped: {Reason}", imageId, reason);
            await GiveUpAsync(imageId, reason, permanent);
            throw;
        }
    }

    /// <summary>An open source of image data and, for a download, the response that owns it.</summary>
    private sealed record OpenedSource(Stream Stream, long? Length, IAsyncDisposable? Owner = null) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (Owner is not null)
            {
                await Owner.DisposeAsync();
            }
        }
    }

    private static (string Reason, bool Permanent) Explain(Exception e, bool cancelledByUser, ImageStatus status) => e switch
    {
        // The portal's refusals (size, quota, format) can be put right with other data: the image waits for it.
        ImageTransferRefusedException refused => (refused.Message, false),
        TransferInterruptedException interrupted => (interrupted.Message, false),
        ImportFailedException failed => (failed.Message, failed.Permanent),
        OperationCanceledException when cancelledByUser => (ImportCancelledReason, false),
        OperationCanceledException => (status == ImageStatus.Importing
            ? "The import stopped before it finished."
            : UploadStoppedReason, false),
        IOException io => ($"The portal could not store the data ({io.Message}). Please try again later.", false),
        _ => ("Something went wrong on our side while storing the data. Please try again.", false),
    };

    private ImageTransferRefusedException TooLarge(long bytes) => new(
        $"This image is {Format.Bytes(bytes)} or more; the largest image accepted is {Format.Bytes(MaxImageSize)}.",
        TransferRefusal.TooLarge);

    /// <summary>
    /// Feeds the inspector; while the headers stream in, an image that can already be seen to be unsafe or not what
    /// was declared is refused at once instead of after gigabytes more.
    /// </summary>
    private static void Inspect(ImageFormatInspector inspector, ReadOnlyMemory<byte> chunk, DiskFormat declared)
    {
        inspector.Feed(chunk.Span);
        if (inspector.BytesSeen > EarlyVerdictBytes)
        {
            return;
        }

        var early = inspector.Peek();
        if (early.UnsafeReason is not null || early.Format != DetectedFormat.Raw)
        {
            var verdict = FormatDecision.Decide(declared, early);
            if (!verdict.Accepted)
            {
                throw new ImageTransferRefusedException(verdict.RefusalReason!, TransferRefusal.BadData);
            }
        }
    }

    /// <summary>Every header the inspector reads lies in the first few MiB.</summary>
    private const long EarlyVerdictBytes = 8L << 20;

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
