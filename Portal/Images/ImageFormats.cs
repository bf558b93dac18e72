namespace Portal.Images;

/// <summary>Disk formats accepted by the OpenStack Image API v2.</summary>
public enum DiskFormat
{
    Qcow2,
    Raw,
    Vmdk,
    Vdi,
    Vhd,
    Vhdx,
    Iso,
    Ploop,
    Ami,
    Ari,
    Aki,
}

public enum ContainerFormat
{
    Bare,
    Ovf,
    Ova,
    Ami,
    Ari,
    Aki,
    Docker,
    Compressed,
}

public enum ImageVisibility
{
    Private,
    Shared,
    Community,
    Public,
}

public static class ImageFormatNames
{
    public static string ToApiName(this DiskFormat format) => format.ToString().ToLowerInvariant();

    public static string ToApiName(this ContainerFormat format) => format.ToString().ToLowerInvariant();

    public static string ToApiName(this ImageVisibility visibility) => visibility.ToString().ToLowerInvariant();

    public static bool TryParseDiskFormat(string? value, out DiskFormat format) =>
        Enum.TryParse(value, ignoreCase: true, out format) && Enum.IsDefined(format) && !int.TryParse(value, out _);

    /// <summary>Formats whose header cannot be inspected: Glance accepts raw data for them.</summary>
    public static bool IsOpaque(this DiskFormat format) => format is DiskFormat.Ami or DiskFormat.Ari or DiskFormat.Aki;
}
