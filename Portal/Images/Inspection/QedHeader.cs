using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>QED: recognised only to be refused, since no supported hypervisor uses it and it can name a backing file.</summary>
internal static class QedHeader
{
    private static ReadOnlySpan<byte> Magic => "QED\0"u8;

    public static Detection? Detect(ReadOnlySpan<byte> head)
    {
        if (!head.StartsWith(Magic))
        {
            return null;
        }

        long? size = head.Length >= 56 && Detection.TryGetSize(BinaryPrimitives.ReadUInt64LittleEndian(head[48..]), out var bytes)
            ? bytes
            : null;
        return new Detection(DetectedFormat.Qed, size, "QED images are not supported.");
    }
}
