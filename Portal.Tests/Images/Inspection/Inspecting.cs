using Portal.Images.Inspection;

namespace Portal.Tests.Images.Inspection;

internal static class Inspecting
{
    public static InspectionResult InChunks(ReadOnlySpan<byte> data, int chunkSize)
    {
        var inspector = new ImageFormatInspector();
        for (var offset = 0; offset < data.Length; offset += chunkSize)
        {
            inspector.Feed(data.Slice(offset, Math.Min(chunkSize, data.Length - offset)));
        }

        return inspector.Complete();
    }

    public static InspectionResult Whole(ReadOnlySpan<byte> data) => InChunks(data, Math.Max(1, data.Length));

    /// <summary>The name qemu-img gives the format ("vpc" for VHD; an ISO is plain raw data to qemu).</summary>
    public static string QemuName(DetectedFormat format) => format switch
    {
        DetectedFormat.Vhd => "vpc",
        DetectedFormat.Iso => "raw",
        _ => format.ToString().ToLowerInvariant(),
    };
}
