namespace Portal.Images.Inspection;

/// <summary>
/// Bytes [Offset, Offset + Length) of the stream, filled as the stream passes; with a terminator it also ends
/// at the first such byte (kept out of the data).
/// </summary>
internal sealed class CaptureRegion(long offset, int length, byte? terminator = null)
{
    private byte[] _buffer = [];
    private bool _terminated;

    public long Offset { get; } = offset;

    public int Length { get; } = length;

    public int Filled { get; private set; }

    public bool IsComplete => _terminated || Filled == Length;

    /// <summary>Part of the region went by before anyone asked for it, and the stream is never read twice.</summary>
    public bool IsMissed { get; private set; }

    /// <summary>The next stream position this region wants.</summary>
    public long Next => Offset + Filled;

    public ReadOnlySpan<byte> Data => _buffer.AsSpan(0, Filled);

    /// <returns>The bytes taken from <paramref name="chunk"/>.</returns>
    public int Capture(ReadOnlySpan<byte> chunk, long chunkStart)
    {
        if (IsComplete || IsMissed)
        {
            return 0;
        }

        var chunkEnd = chunkStart + chunk.Length;
        if (Next >= chunkEnd)
        {
            return 0;
        }

        if (Next < chunkStart)
        {
            IsMissed = true;
            return 0;
        }

        var before = Filled;
        Append(chunk[(int)(Next - chunkStart)..]);
        return Filled - before;
    }

    /// <summary>Copies what <paramref name="source"/> already holds at this region's next position.</summary>
    public bool CopyFrom(CaptureRegion source)
    {
        if (IsComplete || IsMissed || ReferenceEquals(source, this) || Next < source.Offset || Next >= source.Next)
        {
            return false;
        }

        Append(source.Data[(int)(Next - source.Offset)..]);
        return true;
    }

    /// <summary>Called once the stream is past <paramref name="position"/>: whatever is still wanted before it is gone.</summary>
    public void Settle(long position)
    {
        if (!IsComplete && Next < position)
        {
            IsMissed = true;
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes = bytes[..Math.Min(bytes.Length, Length - Filled)];
        if (terminator is byte stop)
        {
            var at = bytes.IndexOf(stop);
            if (at >= 0)
            {
                bytes = bytes[..at];
                _terminated = true;
            }
        }

        var needed = Filled + bytes.Length;
        if (needed > _buffer.Length)
        {
            // Grow by doubling so a large region that ends early (a NUL-terminated descriptor) stays small.
            var size = (int)Math.Min(Length, Math.Max(needed, Math.Max(_buffer.Length * 2L, 4096)));
            Array.Resize(ref _buffer, size);
        }

        bytes.CopyTo(_buffer.AsSpan(Filled));
        Filled = needed;
    }
}
