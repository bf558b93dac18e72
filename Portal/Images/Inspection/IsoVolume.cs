using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>ISO 9660 and UDF: volume descriptors in 2 KiB sectors from 32 KiB on; the first 32 KiB are free for boot code.</summary>
internal static class IsoVolume
{
    public const int SectorSize = 2048;
    public const int FirstDescriptor = 16 * SectorSize;

    private const byte PrimaryVolumeDescriptor = 1;

    public static Detection? Detect(ReadOnlySpan<byte> head, bool endOfData, long? totalLength)
    {
        const DetectedFormat format = DetectedFormat.Iso;
        if (head.Length < FirstDescriptor + 6)
        {
            return null;
        }

        var id = head.Slice(FirstDescriptor + 1, 5);
        if (id.SequenceEqual("CD001"u8))
        {
            if (head.Length < FirstDescriptor + SectorSize)
            {
                return Detection.Incomplete(format, endOfData, "volume descriptor");
            }

            return new Detection(format, PrimaryVolumeSize(head.Slice(FirstDescriptor, SectorSize)) ?? totalLength, null, "ISO 9660");
        }

        if (id.SequenceEqual("NSR02"u8) || id.SequenceEqual("NSR03"u8) || (id.SequenceEqual("BEA01"u8) && HasUdfDescriptor(head)))
        {
            return new Detection(format, totalLength, null, "UDF");
        }

        return null;
    }

    private static long? PrimaryVolumeSize(ReadOnlySpan<byte> descriptor)
    {
        if (descriptor[0] != PrimaryVolumeDescriptor)
        {
            return null;
        }

        // Both fields are stored twice (little then big endian); the little-endian half is enough.
        var blockSize = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[128..]);
        var blocks = BinaryPrimitives.ReadUInt32LittleEndian(descriptor[80..]);
        return blockSize is 512 or 1024 or 2048 ? (long)blocks * blockSize : null;
    }

    /// <summary>A UDF volume recognition sequence: BEA01, then NSR02 or NSR03, before TEA01.</summary>
    private static bool HasUdfDescriptor(ReadOnlySpan<byte> head)
    {
        for (var offset = FirstDescriptor + SectorSize; offset + 6 <= head.Length; offset += SectorSize)
        {
            var id = head.Slice(offset + 1, 5);
            if (id.SequenceEqual("NSR02"u8) || id.SequenceEqual("NSR03"u8))
            {
                return true;
            }

            if (id.SequenceEqual("TEA01"u8))
            {
                return false;
            }
        }

        return false;
    }
}
