using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>
/// VHD ("vpc" to qemu): a dynamic disk starts with a copy of its big-endian 512-byte footer and ends with the footer
/// itself. Hyper-V and Xen read the end copy, qemu the start one, so both are checked and must be the same.
/// </summary>
internal static class VhdFooter
{
    private const int FooterLength = 512;
    private const uint Fixed = 2;
    private const uint Dynamic = 3;
    private const uint Differencing = 4;
    private const long MaxGeometrySectors = 65535L * 16 * 255;

    /// <summary>A dynamic disk's header ("cxsparse"), at the footer's data offset: it locates the block allocation table.</summary>
    public const int DynamicHeaderLength = 1024;

    private static ReadOnlySpan<byte> Cookie => "conectix"u8;

    /// <param name="head">The start of the stream.</param>
    /// <param name="endOfData">Whether the whole stream has been seen.</param>
    /// <param name="tail">The last bytes of the stream; only read at the end of the data.</param>
    /// <param name="dynamicHeader">The dynamic disk header, where the head footer says it is.</param>
    /// <param name="total">The stream's length; only read at the end of the data.</param>
    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, ReadOnlySpan<byte> tail, CaptureRegion? dynamicHeader, long total)
    {
        const DetectedFormat format = DetectedFormat.Vhd;
        if (!head.StartsWith(Cookie))
        {
            return null;
        }

        if (head.Length < FooterLength)
        {
            return Detection.Incomplete(format, endOfData, "footer");
        }

        var diskType = BinaryPrimitives.ReadUInt32BigEndian(head[60..]);
        var trailing = endOfData && tail.Length >= FooterLength ? tail[^FooterLength..] : [];
        if (diskType == Differencing
            || (trailing.StartsWith(Cookie) && BinaryPrimitives.ReadUInt32BigEndian(trailing[60..]) == Differencing))
        {
            // Its parent locators are host paths that Hyper-V or Xen would open.
            return Detection.Unsafe(format, "The VHD image is a differencing disk that refers to a parent file.");
        }

        if (diskType is not (Fixed or Dynamic))
        {
            return Detection.Invalid(format, "its disk type is unknown");
        }

        if (!TryGetQemuSectors(head, out var sectors))
        {
            return Detection.Invalid(format, "it declares an impossible disk size");
        }

        if (endOfData && diskType == Dynamic && !IsAllocationTableWithin(dynamicHeader, total))
        {
            return Detection.Truncated(format, "block allocation table");
        }

        // A tool that reads the end copy would see another disk (a differencing one, say) than the one checked here.
        if (endOfData && !trailing.SequenceEqual(head[..FooterLength]))
        {
            return Detection.Invalid(format, "its footer at the end of the file is missing or differs from the copy at its start");
        }

        return new Detection(format, sectors * 512, null, diskType == Fixed ? "fixed" : "dynamic");
    }

    /// <summary>Where a dynamic disk's header says its dynamic header lies; null for other disks.</summary>
    public static long? DynamicHeaderOffset(ReadOnlySpan<byte> head)
    {
        if (head.Length < FooterLength || !head.StartsWith(Cookie) || BinaryPrimitives.ReadUInt32BigEndian(head[60..]) != Dynamic)
        {
            return null;
        }

        var offset = BinaryPrimitives.ReadUInt64BigEndian(head[16..]);
        return offset <= long.MaxValue - DynamicHeaderLength ? (long)offset : -1;
    }

    private static bool IsAllocationTableWithin(CaptureRegion? dynamicHeader, long total)
    {
        if (dynamicHeader is not { IsComplete: true } region || !region.Data.StartsWith("cxsparse"u8))
        {
            return false;
        }

        var table = BinaryPrimitives.ReadUInt64BigEndian(region.Data[16..]);
        var entries = BinaryPrimitives.ReadUInt32BigEndian(region.Data[28..]);
        return Detection.IsWithin(table, entries * 4UL, total);
    }

    /// <summary>
    /// qemu's block/vpc.c: Virtual PC and qemu's own "qemu" images are sized by their CHS geometry, the other known
    /// creators (and any image at the maximum geometry) by the footer's current size.
    /// </summary>
    private static bool TryGetQemuSectors(ReadOnlySpan<byte> footer, out long sectors)
    {
        var creator = footer.Slice(28, 4);
        var useGeometry = !(creator.SequenceEqual("win "u8) || creator.SequenceEqual("qem2"u8)
            || creator.SequenceEqual("d2v "u8) || creator.SequenceEqual("CTXS"u8) || creator.SequenceEqual("tap\0"u8));
        sectors = (long)BinaryPrimitives.ReadUInt16BigEndian(footer[56..]) * footer[58] * footer[59];
        if (useGeometry && sectors != MaxGeometrySectors)
        {
            return true;
        }

        var currentSectors = BinaryPrimitives.ReadUInt64BigEndian(footer[48..]) / 512;
        sectors = currentSectors <= long.MaxValue / 512 ? (long)currentSectors : 0;
        return currentSectors <= long.MaxValue / 512;
    }
}
