using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>LUKS version 1: a big-endian header, then the encrypted payload at a sector offset.</summary>
internal static class LuksHeader
{
    private const int PayloadOffsetField = 104;

    private static ReadOnlySpan<byte> Magic => [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE];

    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, long? totalLength)
    {
        const DetectedFormat format = DetectedFormat.Luks;
        if (!head.StartsWith(Magic))
        {
            return null;
        }

        if (head.Length < 8)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(head[6..]);
        if (version == 2)
        {
            return Detection.Unsafe(format, "LUKS version 2 volumes are not supported.");
        }

        if (version != 1)
        {
            return Detection.Invalid(format, $"its header has the unknown version {version}");
        }

        if (head.Length < PayloadOffsetField + 4)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        var payload = (long)BinaryPrimitives.ReadUInt32BigEndian(head[PayloadOffsetField..]) * 512;
        if (totalLength is not long total)
        {
            return new Detection(format, null, null, "LUKS1");
        }

        return total >= payload
            ? new Detection(format, total - payload, null, "LUKS1")
            : Detection.Incomplete(format, endOfData: true, "encrypted payload");
    }
}
