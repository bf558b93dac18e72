using System.Buffers.Binary;
using System.Text;

namespace Portal.Images.Catalog;

/// <summary>
/// Builds a small, valid qcow2 v3 image: a large virtual disk of which only the first cluster holds data.
/// Demo images get real bytes, sizes and checksums without shipping gigabytes (qemu-img check accepts them).
/// </summary>
public static class SparseQcow2
{
    private const int ClusterBits = 16;
    private const int ClusterSize = 1 << ClusterBits;
    private const ulong Copied = 1UL << 63;

    // Cluster layout: 0 header, 1 refcount table, 2 refcount block, 3 L1 table, 4 L2 table, 5.. data.
    public static byte[] Create(long virtualSize, string content, int dataClusters = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualSize, (long)ClusterSize * Math.Max(dataClusters, 1));
        ArgumentOutOfRangeException.ThrowIfLessThan(dataClusters, 1);
        const int entriesPerTable = ClusterSize / 8;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataClusters, entriesPerTable);

        var l2Coverage = (long)ClusterSize * entriesPerTable;
        var l1Size = (int)((virtualSize + l2Coverage - 1) / l2Coverage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(l1Size, entriesPerTable, nameof(virtualSize));

        var clusters = 5 + dataClusters;
        var image = new byte[clusters * ClusterSize];
        var span = image.AsSpan();

        BinaryPrimitives.WriteUInt32BigEndian(span, 0x514649FB);                     // "QFI\xfb"
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], 3);                       // version
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(span[24..], (ulong)virtualSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)l1Size);
        BinaryPrimitives.WriteUInt64BigEndian(span[40..], 3 * ClusterSize);        // L1 table offset
        BinaryPrimitives.WriteUInt64BigEndian(span[48..], 1 * ClusterSize);        // refcount table offset
        BinaryPrimitives.WriteUInt32BigEndian(span[56..], 1);                      // refcount table clusters
        BinaryPrimitives.WriteUInt32BigEndian(span[96..], 4);                      // refcount order: 16-bit
        BinaryPrimitives.WriteUInt32BigEndian(span[100..], 104);                   // header length; extension end follows

        BinaryPrimitives.WriteUInt64BigEndian(span[(1 * ClusterSize)..], 2 * ClusterSize);
        for (var cluster = 0; cluster < clusters; cluster++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[(2 * ClusterSize + cluster * 2)..], 1);
        }

        BinaryPrimitives.WriteUInt64BigEndian(span[(3 * ClusterSize)..], (4UL * ClusterSize) | Copied);
        var payload = Encoding.UTF8.GetBytes(content);
        for (var i = 0; i < dataClusters; i++)
        {
            var dataOffset = (5 + i) * ClusterSize;
            BinaryPrimitives.WriteUInt64BigEndian(span[(4 * ClusterSize + i * 8)..], (uint)dataOffset | Copied);
            payload.AsSpan(0, Math.Min(payload.Length, ClusterSize)).CopyTo(span[dataOffset..]);
        }

        return image;
    }
}
