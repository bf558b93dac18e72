using System.Security.Cryptography;

namespace Portal.Images.Transfer;

/// <summary>
/// The bytes of a source as they were sent, before any decompression: counts them (the progress's "sent", the check
/// that all the announced bytes arrived), hashes them when the customer gave a checksum of the file as sent, and lets
/// the first bytes be looked at (the compression's magic bytes) before they are read. Its position is the bytes read
/// through it, which xz's decompressor asks for.
/// </summary>
public sealed class RawSourceStream(Stream inner, HashAlgorithmName? hash) : ForwardReadStream
{
    private readonly IncrementalHash? _hash = hash is { } name ? IncrementalHash.CreateHash(name) : null;
    private byte[] _peeked = [];
    private int _peekedOffset;
    private long _read;
    private long _received;

    /// <summary>Bytes received from the source so far (for the progress; read by other threads).</summary>
    public long Received => Volatile.Read(ref _received);

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    /// <summary>Up to <paramref name="count"/> first bytes, which the next reads still return.</summary>
    public async Task<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        if (_read > 0 || _peeked.Length > 0)
        {
            throw new InvalidOperationException("Peek before reading.");
        }

        var head = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await ReadInnerAsync(head.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        _peeked = head[..filled];
        return _peeked;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        if (_peekedOffset < _peeked.Length)
        {
            read = Math.Min(buffer.Length, _peeked.Length - _peekedOffset);
            _peeked.AsMemory(_peekedOffset, read).CopyTo(buffer);
            _peekedOffset += read;
        }
        else
        {
            read = await ReadInnerAsync(buffer, cancellationToken);
        }

        _read += read;
        return read;
    }

    /// <summary>The digest of every byte received, once the source is read to its end.</summary>
    public string HashHex() => _hash is null ? throw new InvalidOperationException("Not hashing.") : Convert.ToHexStringLower(_hash.GetHashAndReset());

    private async ValueTask<int> ReadInnerAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _hash?.AppendData(buffer.Span[..read]);
        Volatile.Write(ref _received, _received + read);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
