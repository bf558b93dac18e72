namespace Portal.Images.Inspection;

/// <summary>The last bytes of the stream, kept in a ring so each chunk costs at most the ring's size.</summary>
internal sealed class TailBuffer(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private int _start;

    public int Count { get; private set; }

    /// <returns>The bytes copied: never more than the ring holds.</returns>
    public int Append(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length >= _ring.Length)
        {
            chunk[^_ring.Length..].CopyTo(_ring);
            _start = 0;
            Count = _ring.Length;
            return _ring.Length;
        }

        var end = (_start + Count) % _ring.Length;
        var first = Math.Min(chunk.Length, _ring.Length - end);
        chunk[..first].CopyTo(_ring.AsSpan(end));
        chunk[first..].CopyTo(_ring);
        var total = Count + chunk.Length;
        if (total > _ring.Length)
        {
            _start = (_start + (total - _ring.Length)) % _ring.Length;
            Count = _ring.Length;
        }
        else
        {
            Count = total;
        }

        return chunk.Length;
    }

    public byte[] ToArray()
    {
        var copy = new byte[Count];
        var first = Math.Min(Count, _ring.Length - _start);
        _ring.AsSpan(_start, first).CopyTo(copy);
        _ring.AsSpan(0, Count - first).CopyTo(copy.AsSpan(first));
        return copy;
    }

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }
}
