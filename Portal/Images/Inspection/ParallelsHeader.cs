using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>
/// Parallels (ploop) disks: a little-endian 64-byte header whose magic qemu probes, so data declared raw that starts
/// with it would be opened as a Parallels image by anyone who lets qemu guess (block/parallels.c).
/// </summary>
internal static class ParallelsHeader
{
    private const int HeaderLength = 64;
    private const uint Version = 2;

    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, long? totalLength)
    {
        const DetectedFormat format = DetectedFormat.Parallels;
        var oldMagic = head.StartsWith("WithoutFreeSpace"u8);
        if (!oldMagic && !head.StartsWith("WithouFreSpacExt"u8))
        {
            return null;
        }

        if (head.Length < HeaderLength)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(head[16..]) != Version)
        {
            return Detection.Invalid(format, "its header has an unknown version");
        }

        // The old format only ever used the low 32 bits of the sector count.
        var sectors = BinaryPrimitives.ReadUInt64LittleEndian(head[36..]);
        if (!Detection.TryGetSize(oldMagic ? sectors & uint.MaxValue : sectors, 512, out var size))
        {
            return Detection.Invalid(format, "it declares an impossible disk size");
        }

        // The block allocation table follows the header.
        var entries = BinaryPrimitives.ReadUInt32LittleEndian(head[32..]);
        if (endOfData && totalLength is long total && !Detection.IsWithin(HeaderLength, entries * 4UL, total))
        {
            return Detection.Truncated(format, "block allocation table");
        }

        return new Detection(format, size, null);
    }
}
