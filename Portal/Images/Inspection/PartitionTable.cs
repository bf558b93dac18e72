using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>An MBR, or the protective MBR of a GPT disk: still raw data to a hypervisor, but worth naming.</summary>
internal static class PartitionTable
{
    private const int EntriesOffset = 446;
    private const byte ProtectiveGpt = 0xEE;

    /// <summary>"GPT partition table", "MBR partition table", or null when sector 0 is not a sane partition table.</summary>
    public static string? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512 || BinaryPrimitives.ReadUInt16LittleEndian(head[510..]) != 0xAA55 || IsFatBootSector(head))
        {
            return null;
        }

        var used = 0;
        var usedMask = 0;
        var gpt = false;
        for (var i = 0; i < 4; i++)
        {
            var entry = head.Slice(EntriesOffset + (16 * i), 16);
            if (entry[0] is not (0x00 or 0x80))
            {
                return null;
            }

            if (entry[4] == 0)
            {
                continue;
            }

            used++;
            usedMask |= 1 << i;
            if (entry[4] == ProtectiveGpt)
            {
                gpt = true;
                if (entry[1] != 0 || entry[2] != 2 || entry[3] != 0 || BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]) != 1)
                {
                    return null;
                }
            }
        }

        if (used == 0 || (gpt && usedMask != 1))
        {
            return null;
        }

        return gpt ? "GPT partition table" : "MBR partition table";
    }

    /// <summary>A FAT volume's boot sector ends in 0x55AA too; two FATs on a fixed disk give it away.</summary>
    private static bool IsFatBootSector(ReadOnlySpan<byte> sector) => sector[0x10] == 2 && sector[0x15] == 0xF8;
}
