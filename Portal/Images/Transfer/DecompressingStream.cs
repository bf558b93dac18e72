using Portal.Images.Compression;
using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>
/// The decompressed bytes of a compressed source. A failure of the source passes through as it is (a lost
/// connection); a failure of the decompressor means the data is not what its compression says, which more of the
/// same data will not put right.
/// </summary>
public sealed class DecompressingStream(Stream decompressor, SourceCompression compression) : ForwardReadStream
{
    public SourceCompression Compression => compression;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await decompressor.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or TransferInterruptedException or ImportFailedException
            or Rules.RefusedException or OutOfMemoryException))
        {
            throw Damaged(compression, e);
        }
    }

    public static ImageTransferRefusedException Damaged(SourceCompression compression, Exception? cause = null) => new(
        $"The data is not valid {compression.Name()}-compressed data{(cause is null ? "" : $" ({cause.Message.TrimEnd('.')})")}. "
        + "Check the file (or send it uncompressed).",
        TransferRefusal.BadData);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decompressor.Dispose();
        }

        base.Dispose(disposing);
    }
}
