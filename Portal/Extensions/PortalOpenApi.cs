using Portal.Identity;

namespace Portal.Extensions;

/// <summary>
/// The OpenAPI document of the portal's OpenStack routes (<c>/image</c>, <c>/identity</c>) at
/// <c>/openapi/v1.json</c>; the portal's own pages and sign-in posts are not an API and stay out of it.
/// </summary>
public static class PortalOpenApi
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.ShouldInclude = description => IsOpenStackRoute(description.RelativePath);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Portal: OpenStack Image API v2 and Identity API v3 (subset)";
            document.Info.Description =
                "Image data and metadata as Glance serves them, and Keystone's application credential sign-in. "
                + "Send X-Auth-Token (from POST /identity/v3/auth/tokens); errors read {\"error\": {\"code\", \"title\", \"message\"}}.";
            return Task.CompletedTask;
        });
    });

    public static IEndpointRouteBuilder MapPortalOpenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal));
        return endpoints;
    }

    private static bool IsOpenStackRoute(string? relativePath) =>
        relativePath is { } path
        && (IsUnder(path, PublicUrls.ImagePath.TrimStart('/')) || IsUnder(path, PublicUrls.IdentityPath.TrimStart('/')));

    private static bool IsUnder(string path, string segment) =>
        path.Equals(segment, StringComparison.OrdinalIgnoreCase) || path.StartsWith(segment + "/", StringComparison.OrdinalIgnoreCase);
}
