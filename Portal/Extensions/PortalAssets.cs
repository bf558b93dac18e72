using Microsoft.Extensions.FileProviders;

namespace Portal.Extensions;

/// <summary>Serves the portal's own static assets (wwwroot-assets: stylesheet, logo, OS icons, scripts) under /assets/.</summary>
public static class PortalAssets
{
    public const string RequestPath = "/assets";
    public const string FolderName = "wwwroot-assets";

    public static IApplicationBuilder UsePortalAssets(this IApplicationBuilder app, IWebHostEnvironment environment)
    {
        var folder = new[]
            {
                Path.Combine(AppContext.BaseDirectory, FolderName),
                Path.Combine(environment.ContentRootPath, "..", FolderName),
            }
            .Select(Path.GetFullPath)
            .FirstOrDefault(Directory.Exists)
            ?? throw new DirectoryNotFoundException($"The portal's assets folder '{FolderName}' was not found next to the app.");

        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(folder),
            RequestPath = RequestPath,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
    }
}
