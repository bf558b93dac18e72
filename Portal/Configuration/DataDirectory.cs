using Microsoft.Extensions.Options;

namespace Portal.Configuration;

/// <summary>The resolved, writable data folder: the database and the image files live under it.</summary>
public sealed class DataDirectory
{
    public DataDirectory(IOptions<PortalOptions> options, IHostEnvironment environment)
    {
        Root = Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.DataDirectory));
        try
        {
            CreatePrivate(Root);
            CreatePrivate(ImagesPath);
            var probe = Path.Combine(Root, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new OptionsValidationException(nameof(PortalOptions.DataDirectory), typeof(PortalOptions),
                [$"Portal:DataDirectory '{Root}' is not a writable folder: {e.Message}"]);
        }
    }

    /// <summary>Owner-only on Unix (0700): database and customers' images are nobody else's on the host.</summary>
    public const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Owner-only on Unix (0600), whatever the process umask says.</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder 0700, and tightens one that already exists (created by an older version).</summary>
    public static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, PrivateFolderMode);
        File.SetUnixFileMode(path, PrivateFolderMode);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "portal.db");

    public string ImagesPath => Path.Combine(Root, "images");

    /// <summary>Where older versions kept the Data Protection keys (now in the database); read once at start to adopt them.</summary>
    public string KeysPath => Path.Combine(Root, "keys");
}
