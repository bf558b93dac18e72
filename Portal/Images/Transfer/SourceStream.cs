namespace Portal.Images.Transfer;

/// <summary>
/// Reads from where image data comes from (an upload's request body, a download) and tells its failures apart
/// from the portal's own: anything the source throws is turned into the caller's exception by
/// <paramref name="fail"/>, and a source that sends nothing for <paramref name="idleTimeout"/> is given up on —
/// a stalled client or a slow-loris server must not hold a transfer forever, while an honest multi-GB
/// transfer may take as long as it needs.
/// </summary>
public sealed class SourceStream(Stream inner, TimeSpan idleTimeout, TimeProvider clock, Func<bool, Exception?, Exception> fail) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = new CancellationTokenSource(idleTimeout, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            return await inner.ReadAsync(buffer, either.Token);
        }
        catch (Exception e) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw fail(true, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw fail(false, e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // A synchronous read could not be given up on when the source stalls.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");
    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
