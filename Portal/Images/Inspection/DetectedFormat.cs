namespace Portal.Images.Inspection;

/// <summary>The format an image's bytes really have, whatever its owner declared. GPT and MBR disks count as <see cref="Raw"/>.</summary>
public enum DetectedFormat
{
    Raw,
    Qcow2,
    Qed,
    Vhd,
    Vhdx,
    Vmdk,
    Vdi,
    Iso,
    Luks,
    Parallels,
}

public static class DetectedFormatNames
{
    /// <summary>The name a customer knows the format by: "qcow2", "VMDK", "LUKS-encrypted volume".</summary>
    public static string DisplayName(this DetectedFormat format) => format switch
    {
        DetectedFormat.Raw => "raw",
        DetectedFormat.Luks => "LUKS-encrypted volume",
        _ => ShortName(format),
    };

    /// <summary>The declared disk format that matches this content; null for formats no disk format names (QED, LUKS).</summary>
    public static DiskFormat? ToDiskFormat(this DetectedFormat format) => format switch
    {
        DetectedFormat.Raw => DiskFormat.Raw,
        DetectedFormat.Qcow2 => DiskFormat.Qcow2,
        DetectedFormat.Vmdk => DiskFormat.Vmdk,
        DetectedFormat.Vdi => DiskFormat.Vdi,
        DetectedFormat.Vhd => DiskFormat.Vhd,
        DetectedFormat.Vhdx => DiskFormat.Vhdx,
        DetectedFormat.Iso => DiskFormat.Iso,
        DetectedFormat.Parallels => DiskFormat.Ploop,
        _ => null,
    };

    /// <summary>"qcow2", "VHD", "LUKS": fits in "The … image is truncated".</summary>
    internal static string ShortName(this DetectedFormat format) => format switch
    {
        DetectedFormat.Raw => "raw",
        DetectedFormat.Qcow2 => "qcow2",
        DetectedFormat.Qed => "QED",
        DetectedFormat.Vhd => "VHD",
        DetectedFormat.Vhdx => "VHDX",
        DetectedFormat.Vmdk => "VMDK",
        DetectedFormat.Vdi => "VDI",
        DetectedFormat.Iso => "ISO",
        DetectedFormat.Luks => "LUKS",
        DetectedFormat.Parallels => "Parallels",
        _ => format.ToString(),
    };

    /// <summary>Ends "…, but the data is …": "a qcow2 image", "an ISO image", "a raw disk image".</summary>
    internal static string WithArticle(this DetectedFormat format) => format switch
    {
        DetectedFormat.Raw => "a raw disk image",
        DetectedFormat.Iso => "an ISO image",
        DetectedFormat.Luks => "a LUKS-encrypted volume",
        _ => $"a {ShortName(format)} image",
    };
}
