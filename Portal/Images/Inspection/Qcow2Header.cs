using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>qcow2 (and the old qcow): a big-endian header at offset 0, as in qemu's docs/interop/qcow2.txt.</summary>
internal static class Qcow2Header
{
    private const ulong Dirty = 0x1;
    private const ulong Corrupt = 0x2;
    private const ulong ExternalDataFile = 0x4;
    private const ulong CompressionType = 0x8;
    private const ulong ExtendedL2 = 0x10;

    // Glance accepts the first four incompatible bits and checks the data-file one on its own; extended L2
    // entries and anything newer are refused because nothing here can vouch for what they make qemu do.
    private const ulong Acceptable = Dirty | Corrupt | CompressionType;

    /// <summary>The tables qemu reads on opening; one past the end means a cut-short upload or a header that lies.</summary>
    private static string? FirstTableOutside(ReadOnlySpan<byte> header, uint clusterBits, long total)
    {
        var l1Entries = BinaryPrimitives.ReadUInt32BigEndian(header[36..]);
        if (!Detection.IsWithin(BinaryPrimitives.ReadUInt64BigEndian(header[40..]), l1Entries * 8UL, total))
        {
            return "L1 table";
        }

        var refcountClusters = BinaryPrimitives.ReadUInt32BigEndian(header[56..]);
        if (!Detection.IsWithin(BinaryPrimitives.ReadUInt64BigEndian(header[48..]), (ulong)refcountClusters << (int)clusterBits, total))
        {
            return "refcount table";
        }

        // Each snapshot entry has at least its 40-byte fixed part.
        var snapshots = BinaryPrimitives.ReadUInt32BigEndian(header[60..]);
        return snapshots == 0 || Detection.IsWithin(BinaryPrimitives.ReadUInt64BigEndian(header[64..]), snapshots * 40UL, total)
            ? null
            : "snapshot table";
    }

    private static ReadOnlySpan<byte> Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, long? totalLength)
    {
        const DetectedFormat format = DetectedFormat.Qcow2;
        if (!head.StartsWith(Magic))
        {
            return null;
        }

        if (head.Length < 8)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(head[4..]);
        if (version == 1)
        {
            return Detection.Unsafe(format, "The image is in the old qcow (version 1) format, which is not supported.");
        }

        if (version is not (2 or 3))
        {
            return Detection.Invalid(format, $"its header has the unknown version {version}");
        }

        var headerLength = version == 2 ? 72 : 104;
        if (head.Length < headerLength)
        {
            return Detection.Incomplete(format, endOfData, "header");
        }

        // A backing file is any host path qemu would open and read on the customer's behalf.
        if (BinaryPrimitives.ReadUInt64BigEndian(head[8..]) != 0)
        {
            return Detection.Unsafe(format, "The qcow2 image refers to a backing file.");
        }

        var clusterBits = BinaryPrimitives.ReadUInt32BigEndian(head[20..]);
        if (clusterBits is < 9 or > 21)
        {
            return Detection.Invalid(format, "its cluster size is out of range");
        }

        if (!Detection.TryGetSize(BinaryPrimitives.ReadUInt64BigEndian(head[24..]), out var size))
        {
            return Detection.Invalid(format, "it declares an impossible disk size");
        }

        if (version == 3)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(head[100..]) < 104)
            {
                return Detection.Invalid(format, "its header length is too small");
            }

            var incompatible = BinaryPrimitives.ReadUInt64BigEndian(head[72..]);
            if ((incompatible & ExternalDataFile) != 0)
            {
                // The guest's data would live in a separately named host file (CVE-2024-32498).
                return Detection.Unsafe(format, "The qcow2 image refers to an external data file.");
            }

            if ((incompatible & ExtendedL2) != 0)
            {
                return Detection.Unsafe(format, "The qcow2 image uses extended L2 entries, which are not supported.");
            }

            if ((incompatible & ~Acceptable) != 0)
            {
                return Detection.Unsafe(format, "The qcow2 image uses incompatible features that are not supported.");
            }
        }

        if (endOfData && totalLength is long total && FirstTableOutside(head, clusterBits, total) is { } table)
        {
            return Detection.Truncated(format, table);
        }

        return new Detection(format, size, null, version == 2 ? "compat 0.10" : "compat 1.1");
    }
}
