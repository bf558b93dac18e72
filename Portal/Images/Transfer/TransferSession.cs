using Portal.Configuration;
using Portal.Formatting;
using Portal.Images.Compression;
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
/// What the customer asked of the data beyond the image's own fields: a checksum of the bytes as sent, and whether
/// compressed bytes are decompressed before they are inspected, hashed and stored (<paramref name="NameSays"/>: the
/// compression the file or URL name ends in, used when the first bytes announce none).
/// </summary>
public sealed record DataExpectations(ExpectedChecksum? Checksum = null, bool Decompress = false, SourceCompression NameSays = SourceCompression.None)
{
    public static readonly DataExpectations None = new();
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
    private RawSourceStream? _raw;
    private SourceCompression _compression;

    /// <summary>The length the source announced, of the bytes as sent.</summary>
    private long? _announcedLength;

    /// <summary>The length the stored data will have, when known ahead (not for decompressed data).</summary>
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
    public async Task<ImageData> ReceiveAsync(TransferSource source, DataExpectations expect)
    {
        // Only private images count against the account's quota; the operator's public catalog does not.
        _reservation = _target.Image.IsAccountOwned()
            ? await _quota.OpenAsync(_target.Owner, ImageId, Kind.Noun(), Token)
            : null;

        await using var writer = await _store.BeginWriteAsync(ImageId, Token);
        using var rate = new TransferRateWatch(
            _limits.MinTransferBytesPerSecond, TimeSpan.FromSeconds(_limits.MinRateWindowSeconds), _clock, Kind, Token);
        var checksum = expect.Checksum;

        // MD5 and SHA-512 of the stored bytes are computed anyway; another digest, or one of bytes that are decompressed
        // before they are stored, is computed as the bytes arrive.
        var hashSent = checksum is not null && (expect.Decompress || checksum.Algorithm is ChecksumAlgorithm.Sha1 or ChecksumAlgorithm.Sha256);
        using var raw = new RawSourceStream(rate.Watch(source.Stream), hashSent ? checksum!.HashName : null);
        _raw = raw;
        ReceivedData data;
        try
        {
            Stream stored = raw;
            if (expect.Decompress)
            {
                var head = await raw.PeekAsync(SourceCompressions.MagicLength, rate.Token);
                var compression = SourceCompressions.FromMagic(head.Span) is var magic and not SourceCompression.None ? magic : expect.NameSays;
                if (compression != SourceCompression.None)
                {
                    _compression = compression;
                    stored = await OpenDecompressorAsync(raw, compression, rate.Token);
                }
            }

            Expect(source.Length);
            await using (stored == raw ? null : stored)
            {
                data = await ImageDataReceiver.ReceiveAsync(stored, writer, this, rate.Token);
            }

            if (_compression != SourceCompression.None)
            {
                await EnsureEndedAsync(raw, _compression, rate.Token);
            }
        }
        catch (OperationCanceledException e) when (rate.TooSlow && !Token.IsCancellationRequested)
        {
            throw rate.Failure(e);
        }

        Announce();
        var arrived = _compression == SourceCompression.None ? data.Size : raw.Received;
        if (_announcedLength is { } expected && expected != arrived)
        {
            throw new TransferInterruptedException(
                $"Only {Format.Bytes(arrived)} of {Format.Bytes(expected)} arrived. Send the image again.");
        }

        if (checksum is not null)
        {
            var actual = hashSent ? raw.HashHex() : checksum.Algorithm == ChecksumAlgorithm.Md5 ? data.Md5Hex : data.Sha512Hex;
            if (!checksum.Matches(actual))
            {
                throw new ImageTransferRefusedException(checksum.MismatchReason(actual), TransferRefusal.BadData);
            }
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

    /// <summary>How the source was compressed (None when it was stored as sent).</summary>
    public SourceCompression Compression => _compression;

    private static async Task<Stream> OpenDecompressorAsync(RawSourceStream raw, SourceCompression compression, CancellationToken cancellationToken)
    {
        try
        {
            return new DecompressingStream(await compression.OpenDecompressorAsync(raw, cancellationToken), compression);
        }
        catch (Exception e) when (e is not (OperationCanceledException or TransferInterruptedException or Import.ImportFailedException))
        {
            throw DecompressingStream.Damaged(compression, e);
        }
    }

    /// <summary>
    /// The decompressor stopped at the end of its data: anything but padding after it would be data nobody looked at (and
    /// that a checksum of the file as sent covers), so it is refused rather than silently dropped.
    /// </summary>
    private static async Task EnsureEndedAsync(RawSourceStream raw, SourceCompression compression, CancellationToken cancellationToken)
    {
        var rest = new byte[64 << 10];
        int read;
        while ((read = await raw.ReadAsync(rest, cancellationToken)) > 0)
        {
            if (rest.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                throw new ImageTransferRefusedException(
                    $"The file goes on after the end of its {compression.Name()}-compressed data. Check the file (or send it uncompressed).",
                    TransferRefusal.BadData);
            }
        }
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
        _registration.Report(total, _compression == SourceCompression.None ? null : _raw?.Received);
        if (_clock.GetElapsedTime(_announcedAt) >= ProgressInterval)
        {
            Announce();
        }
    }

    private void Expect(long? length)
    {
        _announcedLength = length;
        _registration.ExpectTotal(length);
        if (_compression != SourceCompression.None)
        {
            // The compressed length says nothing of the disk's: the cap and the quota count the decompressed bytes as they come.
            return;
        }

        _expectedLength = length;
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
        $"{(_compression == SourceCompression.None ? "This image is" : "Decompressed, this image is")} {Format.Bytes(bytes)} or more; the largest image accepted is {Format.Bytes(_limits.MaxImageSizeBytes)}.",
        TransferRefusal.TooLarge);
}
