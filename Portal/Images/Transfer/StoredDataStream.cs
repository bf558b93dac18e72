namespace Portal.Images.Transfer;

/// <summary>A byte range a download asks for, as the Range header writes it: <c>From-To</c>, <c>From-</c>, or the last <c>To</c> bytes.</summary>
public readonly record struct ByteRange(long? From, long? To)
{
    /// <summary>Offset and count within data of <paramref name="length"/> bytes; null when the range is not satisfiable.</summary>
    public (long Offset, long Count)? Within(long length)
    {
        if (From is null)
        {
            return To is > 0 && length > 0 ? (Math.Max(0, length - To.Value), Math.Min(To.Value, length)) : null;
        }

        if (From.Value >= length || To < From)
        {
            return null;
        }

        var last = Math.Min(To ?? length - 1, length - 1);
        return (From.Value, last - From.Value + 1);
    }
}

/// <summary>
/// An image's stored data as a seekable stream of known length, for the download result's range processing: it reads
/// the store from wherever it is positioned, asking the store for that range (a ranged GET on an object store) rather
/// than reading and discarding. Opened ahead for the range the request asks for, so a download under way keeps its
/// data even when the image is deleted meanwhile (an open file, an object store's streaming answer).
/// </summary>
public sealed class StoredDataStream(IImageStore store, Guid imageId, long length) : Stream
{
    private Stream? _open;
    private long _openAt;
    private long _openEnd;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <summary>Opens <paramref name="count"/> bytes from <paramref name="offset"/> now: what the next reads will most likely ask for.</summary>
    public async Task OpenAsync(long offset, long count, CancellationToken cancellationToken)
    {
        await CloseOpenAsync();
        _open = await store.OpenReadAsync(imageId, offset, count, cancellationToken)
            ?? throw new IOException("The image's data is no longer in the store.");
        _openAt = offset;
        _openEnd = offset + count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        if (_open is null || _openAt != _position || _position >= _openEnd)
        {
            await OpenAsync(_position, length - _position, cancellationToken);
        }

        var read = await _open!.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _openEnd - _position)], cancellationToken);
        _position += read;
        _openAt = _position;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask CloseOpenAsync()
    {
        if (_open is not null)
        {
            await _open.DisposeAsync();
            _open = null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseOpenAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _open?.Dispose();
            _open = null;
        }

        base.Dispose(disposing);
    }
}
