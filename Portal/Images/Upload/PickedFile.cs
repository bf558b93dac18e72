namespace Portal.Images.Upload;

/// <summary>A file picked in the browser: its name and size, and the key that finds it there.</summary>
public sealed record PickedFile(string Key, string Name, long Size)
{
    /// <summary>The disk format a file name suggests, and whether that is only a guess to confirm (.img).</summary>
    public static (DiskFormat? Format, bool IsGuess) FormatFromName(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".qcow2" or ".qcow" => (DiskFormat.Qcow2, false),
        ".img" => (DiskFormat.Qcow2, true),
        ".raw" => (DiskFormat.Raw, false),
        ".vmdk" => (DiskFormat.Vmdk, false),
        ".vdi" => (DiskFormat.Vdi, false),
        ".vhd" => (DiskFormat.Vhd, false),
        ".vhdx" => (DiskFormat.Vhdx, false),
        ".iso" => (DiskFormat.Iso, false),
        _ => (null, false),
    };
}
