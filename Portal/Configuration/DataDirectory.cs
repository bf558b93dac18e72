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
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(ImagesPath);
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

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "portal.db");

    public string ImagesPath => Path.Combine(Root, "images");
}
