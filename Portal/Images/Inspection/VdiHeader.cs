using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>VirtualBox VDI: a little-endian header after a 64-byte text banner.</summary>
internal static class VdiHeader
{
    private const int SignatureOffset = 0x40;
    private const uint Signature = 0xBEDA107F;
    private const uint Version11 = 0x00010001;
    private const int HeaderLength = 0x184;

    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, long? totalLength)
    {
        const DetectedFormat format = DetectedFormat.Vdi;
        if (head.Length < SignatureOffset + 4 || BinaryPrimitives.ReadUInt32LittleEndian(head[SignatureOffset..]) != Signature)
        {
            return null;
        }

        if (head.Length < HeaderLength)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(head[0x44..]);
        var imageType = BinaryPrimitives.ReadUInt32LittleEndian(head[0x4C..]);
        if (version == Version11 && imageType is not (1 or 2))
        {
            return Detection.Unsafe(format, "The VDI image is a differencing or undo image that depends on another disk.");
        }

        if (!Detection.TryGetSize(BinaryPrimitives.ReadUInt64LittleEndian(head[0x170..]), out var size))
        {
            return Detection.Invalid(format, "it declares an impossible disk size");
        }

        var blockMap = BinaryPrimitives.ReadUInt32LittleEndian(head[0x154..]);
        var blocks = BinaryPrimitives.ReadUInt32LittleEndian(head[0x180..]);
        if (endOfData && totalLength is long total && !Detection.IsWithin(blockMap, blocks * 4UL, total))
        {
            return Detection.Truncated(format, "block map");
        }

        return new Detection(format, size, null, imageType == 2 ? "fixed" : "dynamic");
    }
}
