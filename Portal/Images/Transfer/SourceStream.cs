namespace Portal.Images.Transfer;

/// <summary>
/// Reads from where image data comes from (an upload's request body, a download) and tells its failures apart
/// from the portal's own: anything the source throws becomes the failure of its <paramref name="kind"/> of
/// transfer, and a source that sends nothing for <paramref name="idleTimeout"/> is given up on —
/// a stalled client or a slow-loris server must not hold a transfer forever, while an honest multi-GB
/// transfer may take as long as it needs.
/// </summary>
public sealed class SourceStream(Stream inner, TimeSpan idleTimeout, TimeProvider clock, TransferKind kind) : ForwardReadStream
{
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
            throw kind.SourceFailure(stalled: true, idleTimeout, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw kind.SourceFailure(stalled: false, idleTimeout, e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
