using Portal.Configuration;
using Portal.Formatting;
using Portal.Images.Inspection;
using Portal.Images.Usage;

namespace Portal.Images.Transfer;

/// <summary>What a transfer needs to know of its image, read once as it starts.</summary>
internal sealed record TransferTarget(Image Image)
{
    public static TransferTarget Of(Image image) => new(image.Snapshot());

    public Guid ImageId => Image.Id;

    public Guid Owner => Image.Owner;

    public ImageStatus Status => Image.Status;

    public DiskFormat Declared => Image.DiskFormat;

    public TransferKind Kind => Status == ImageStatus.Importing ? TransferKind.Import : TransferKind.Upload;
}

/// <summary>
/// One image's transfer while it runs: its entry in <see cref="ActiveTransfers"/> (progress, cancellation), its claim on
/// the account's quota, the size cap, the format inspection and the store's writer. The receiver asks it about every
/// chunk; the image's row stays the business of <see cref="ImageTransferService"/>.
/// </summary>
internal sealed class TransferSession : IReceivingTransfer, IDisposable
{
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Every header the inspector reads lies in the first few MiB.</summary>
    private const long EarlyVerdictBytes = 8L << 20;

    private readonly TransferTarget _target;
    private readonly ActiveTransfers.Registration _registration;
    private readonly StorageQuota _quota;
    private readonly IImageStore _store;
    private readonly ImageEvents _events;
    private readonly TimeProvider _clock;
    private readonly ImageLimitOptions _limits;
    private readonly long _freeSpaceReserve;
    private readonly ImageFormatInspector _inspector = new();
    private StorageQuota.Reservation? _reservation;
    private long? _expectedLength;
    private long _claimed;
    private long _announcedAt;

    /// <summary>Registers the transfer (from here on its progress can be read and it can be cancelled) and announces it.</summary>
    public TransferSession(
        TransferTarget target,
        ActiveTransfers transfers,
        StorageQuota quota,
        IImageStore store,
        ImageEvents events,
        TimeProvider clock,
        ImageLimitOptions limits,
        long freeSpaceReserve,
        CancellationToken cancellationToken)
    {
        _target = target;
        _quota = quota;
        _store = store;
        _events = events;
        _clock = clock;
        _limits = limits;
        _freeSpaceReserve = freeSpaceReserve;
        StartedAt = clock.GetUtcNow().UtcDateTime;
        _registration = transfers.Register(target.ImageId, StartedAt, cancellationToken);
        Announce();
    }

    public Guid ImageId => _target.ImageId;

    public TransferKind Kind => _target.Kind;

    public DateTime StartedAt { get; }

    /// <summary>Stops with the caller's token and with "Cancel import".</summary>
    public CancellationToken Token => _registration.Token;

    /// <summary>Someone pressed "Cancel import" (as opposed to the client going away).</summary>
    public bool CancelledByUser => _registration.CancelledByUser;

    /// <summary>Who pressed "Cancel import", when someone did.</summary>
    public Accounts.Caller? CancelledBy => _registration.CancelledBy;

    /// <summary>
    /// Streams the source into the store and judges the bytes before anything can boot from them: what comes back is
    /// committed to the store; a refused or incomplete image leaves no file.
    /// </summary>
    public async Task<ImageData> ReceiveAsync(TransferSource source)
    {
        // Only private images count against the account's quota; the operator's public catalog does not.
        _reservation = _target.Image.IsAccountOwned()
            ? await _quota.OpenAsync(_target.Owner, ImageId, Kind.Noun(), Token)
            : null;
        Expect(source.Length);

        await using var writer = _store.BeginWrite(ImageId);
        using var rate = new TransferRateWatch(
            _limits.MinTransferBytesPerSecond, TimeSpan.FromSeconds(_limits.MinRateWindowSeconds), _clock, Kind, Token);
        ReceivedData data;
        try
        {
            data = await ImageDataReceiver.ReceiveAsync(rate.Watch(source.Stream), writer, this, rate.Token);
        }
        catch (OperationCanceledException e) when (rate.TooSlow && !Token.IsCancellationRequested)
        {
            throw rate.Failure(e);
        }

        Announce();
        if (_expectedLength is { } expected && expected != data.Size)
        {
            throw new TransferInterruptedException(
                $"Only {Format.Bytes(data.Size)} of {Format.Bytes(expected)} arrived. Send the image again.");
        }

        var detected = _inspector.Complete();
        var verdict = FormatDecision.Decide(_target.Declared, detected);
        if (!verdict.Accepted)
        {
            throw new ImageTransferRefusedException(verdict.RefusalReason!, TransferRefusal.BadData);
        }

        await writer.CommitAsync(Token);
        return new ImageData(data.Size, data.Md5Hex, data.Sha512Hex, verdict.VirtualSize, detected.Description);
    }

    /// <summary>The image is active: its bytes stop counting as in flight and count as stored.</summary>
    public void Commit(long size) => _reservation?.Commit(size);

    public void Dispose()
    {
        _reservation?.Dispose();
        _registration.Dispose();
    }

    void IReceivingTransfer.Accept(long total)
    {
        if (total > _limits.MaxImageSizeBytes)
        {
            throw TooLarge(total);
        }

        Claim(Math.Max(total, _expectedLength ?? 0));
        if (_store.AvailableBytes is { } free && free < _freeSpaceReserve)
        {
            throw StoreFull();
        }
    }

    /// <summary>
    /// Feeds the inspector; while the headers stream in, an image that can already be seen to be unsafe or not what
    /// was declared is refused at once instead of after gigabytes more.
    /// </summary>
    void IReceivingTransfer.Observe(ReadOnlyMemory<byte> chunk)
    {
        _inspector.Feed(chunk.Span);
        if (_inspector.BytesSeen > EarlyVerdictBytes)
        {
            return;
        }

        var early = _inspector.Peek();
        if (early.UnsafeReason is not null || early.Format != DetectedFormat.Raw)
        {
            var verdict = FormatDecision.Decide(_target.Declared, early);
            if (!verdict.Accepted)
            {
                throw new ImageTransferRefusedException(verdict.RefusalReason!, TransferRefusal.BadData);
            }
        }
    }

    void IReceivingTransfer.Progress(long total)
    {
        _registration.Report(total);
        if (_clock.GetElapsedTime(_announcedAt) >= ProgressInterval)
        {
            Announce();
        }
    }

    private void Expect(long? length)
    {
        _expectedLength = length;
        _registration.ExpectTotal(length);
        if (length > _limits.MaxImageSizeBytes)
        {
            throw TooLarge(length.Value);
        }

        if (length is { } announced && _store.AvailableBytes is { } free && free - announced < _freeSpaceReserve)
        {
            throw StoreFull();
        }

        if (length is { } declaredLength)
        {
            // A known length is claimed up front: a parallel transfer cannot take the room meanwhile.
            Claim(declaredLength);
        }
    }

    private void Claim(long bytes)
    {
        // A claim only ever grows, and one already granted stays granted: the ledger is asked only for more room, so an
        // upload of known length takes its lock once, not once per chunk.
        if (_reservation is not null && bytes > _claimed)
        {
            _reservation.Claim(bytes);
            _claimed = bytes;
        }
    }

    /// <summary>Tells the open pages to look at the progress again (they read it from <see cref="ActiveTransfers"/>).</summary>
    private void Announce()
    {
        _announcedAt = _clock.GetTimestamp();
        _events.Publish(ImageChange.Of(_target.Image, _registration.Progress));
    }

    private static ImageTransferRefusedException StoreFull() =>
        new("The image store is full. Please try again later.", TransferRefusal.StoreFull);

    private ImageTransferRefusedException TooLarge(long bytes) => new(
        $"This image is {Format.Bytes(bytes)} or more; the largest image accepted is {Format.Bytes(_limits.MaxImageSizeBytes)}.",
        TransferRefusal.TooLarge);
}
