using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Portal.Accounts;
using Portal.Identity;
using Portal.Rules;

namespace Portal.Images.Api;

/// <summary>
/// The OpenStack Image API v2 subset under <c>{PublicUrl}/image</c>: a second caller of <see cref="ImageService"/>, so
/// <c>openstack image …</c> and <c>glance …</c> obey exactly the rules the pages do. Every refusal leaves as the one
/// typed refusal, in the error body OpenStack's clients read. (The image file routes live with the transfer code.)
/// </summary>
public static class ImageApiEndpoints
{
    public const string WebDownload = "web-download";

    /// <summary>The portal's field in web-download's <c>method</c>: the checksum the downloaded file must have.</summary>
    public const string ExpectedChecksumField = "expected_checksum";

    /// <summary>The Image API versions the portal answers to; v2.9 (web-download import, os_hidden) is current.</summary>
    private static readonly string[] Versions = ["v2.9", "v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"];

    public static IEndpointRouteBuilder MapImageApiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var root = endpoints.MapGroup(PublicUrls.ImagePath).AddEndpointFilter(RefusalsAsOpenStackErrors);

        // Version discovery is anonymous, as Glance's is: clients ask before they have a token.
        root.MapGet("/", (PublicUrls urls) => Results.Json(VersionsBody(urls), statusCode: StatusCodes.Status300MultipleChoices));
        root.MapGet("/versions", (PublicUrls urls) => Results.Json(VersionsBody(urls)));

        var v2 = root.MapGroup("/v2").RequireAuthorization(ApiTokenAuthentication.TokenPolicy);
        v2.MapGet("/images", ListAsync);
        v2.MapPost("/images", CreateAsync);
        v2.MapGet("/images/{id}", ShowAsync);
        v2.MapMethods("/images/{id}", [HttpMethods.Patch], UpdateAsync);
        v2.MapDelete("/images/{id}", DeleteAsync);
        v2.MapPut("/images/{id}/tags/{tag}", AddTagAsync);
        v2.MapDelete("/images/{id}/tags/{tag}", RemoveTagAsync);
        v2.MapPost("/images/{id}/actions/deactivate", DeactivateAsync);
        v2.MapPost("/images/{id}/actions/reactivate", ReactivateAsync);
        v2.MapPost("/images/{id}/import", ImportAsync);
        v2.MapGet("/info/import", () => Results.Json(new JsonObject
        {
            ["import-methods"] = new JsonObject
            {
                ["description"] = "Import methods available.",
                ["type"] = "array",
                ["value"] = new JsonArray(WebDownload),
            },
        }));
        v2.MapGet("/schemas/image", () => Results.Json(ImageSchemas.Image()));
        v2.MapGet("/schemas/images", () => Results.Json(ImageSchemas.Images()));
        v2.MapImageMemberEndpoints();

        // Anything else under /image is not there, said in the same shape as every other error here.
        root.MapFallback("/{**path}", () => OpenStackErrors.Error(StatusCodes.Status404NotFound, "The resource could not be found."));
        return endpoints;
    }

    private static async ValueTask<object?> RefusalsAsOpenStackErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (RefusedException e)
        {
            return e.Refusal.ToOpenStackError();
        }
    }

    private static JsonObject VersionsBody(PublicUrls urls)
    {
        var versions = new JsonArray();
        for (var i = 0; i < Versions.Length; i++)
        {
            versions.Add(new JsonObject
            {
                ["id"] = Versions[i],
                ["links"] = new JsonArray(new JsonObject { ["href"] = urls.ImageV2 + "/", ["rel"] = "self" }),
                ["status"] = i == 0 ? "CURRENT" : "SUPPORTED",
            });
        }

        return new JsonObject { ["versions"] = versions };
    }

    internal static Caller CallerOf(HttpContext context) =>
        Caller.FromPrincipal(context.User) ?? throw new RefusedException(RefusalCode.NotAuthenticated, ApiTokenService.AuthenticationRequired);

    /// <summary>An id that is not a UUID names no image: the same 404 as a missing one.</summary>
    internal static Guid IdOf(string id) =>
        Guid.TryParse(id, out var guid) ? guid : throw new ImageNotFoundException(Guid.Empty);

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(HttpContext context, ImageService images)
    {
        var caller = CallerOf(context);
        var query = ImageListParameters.Parse(context.Request.Query);
        var page = await images.ListAsync(caller, query, context.RequestAborted);

        var body = new JsonObject
        {
            ["images"] = new JsonArray(page.Items.Select(i => (JsonNode)ImageJson.Of(i, caller)).ToArray()),
            ["first"] = ImageJson.ImagesPath + QueryWithout(context.Request.Query, "marker"),
            ["schema"] = ImageJson.ImagesSchemaPath,
        };
        if (page.NextMarker is { } marker)
        {
            // Relative to the image endpoint, as Glance gives it: glanceclient and openstacksdk append it to the
            // endpoint from the catalog (which is built from Portal:PublicUrl), so no Host header ever reaches it.
            body["next"] = ImageJson.ImagesPath + QueryWithout(context.Request.Query, "marker", ("marker", marker.ToString("D")));
        }

        return TypedResults.Json(body);
    }

    private static string QueryWithout(IQueryCollection query, string dropped, (string Key, string Value)? added = null)
    {
        var pairs = query.Where(p => p.Key != dropped && ImageListParameters.Known.Contains(p.Key))
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, StringValues>(p.Key, v)))
            .ToList();
        if (added is { } extra)
        {
            pairs.Add(new(extra.Key, extra.Value));
        }

        return pairs.Count == 0 ? string.Empty : QueryString.Create(pairs).ToUriComponent();
    }

    private static async Task<JsonHttpResult<JsonObject>> ShowAsync(string id, HttpContext context, ImageService images)
    {
        var caller = CallerOf(context);
        var image = await images.GetAsync(caller, IdOf(id), context.RequestAborted);
        return TypedResults.Json(ImageJson.Of(image, caller));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ImageService images, PublicUrls urls)
    {
        var caller = CallerOf(context);
        var body = await BodyAsync(context) as JsonObject
            ?? throw new RefusedException(RefusalCode.Invalid, "The request body must be a JSON object describing the image.");
        var request = ImageCreateBody.Parse(body);
        var image = await images.CreateAsync(caller, request, context.RequestAborted);
        context.Response.Headers["OpenStack-image-import-methods"] = WebDownload;
        context.Response.Headers.Location = $"{urls.ImageV2}/images/{image.Id:D}";
        return TypedResults.Json(ImageJson.Of(image, caller), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ImageService images)
    {
        var caller = CallerOf(context);
        if (!ImageJsonPatch.IsPatchMediaType(context.Request.ContentType))
        {
            return OpenStackErrors.Error(StatusCodes.Status415UnsupportedMediaType,
                $"Send the changes as a JSON patch with Content-Type: {ImageJsonPatch.MediaType}.");
        }

        var image = await images.GetAsync(caller, IdOf(id), context.RequestAborted);
        var edit = ImageJsonPatch.Parse(await BodyAsync(context), image);
        var changed = await images.EditAsync(caller, image.Id, edit, image.Version, context.RequestAborted);
        return TypedResults.Json(ImageJson.Of(changed, caller));
    }

    private static async Task<NoContent> DeleteAsync(string id, HttpContext context, ImageService images)
    {
        await images.DeleteAsync(CallerOf(context), IdOf(id), context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> AddTagAsync(string id, string tag, HttpContext context, ImageService images)
    {
        await images.AddTagAsync(CallerOf(context), IdOf(id), tag, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RemoveTagAsync(string id, string tag, HttpContext context, ImageService images)
    {
        await images.RemoveTagAsync(CallerOf(context), IdOf(id), tag, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> DeactivateAsync(string id, HttpContext context, ImageService images)
    {
        await images.DeactivateAsync(CallerOf(context), IdOf(id), context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> ReactivateAsync(string id, HttpContext context, ImageService images)
    {
        await images.ReactivateAsync(CallerOf(context), IdOf(id), context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary><c>POST /v2/images/{id}/import</c>: only <c>web-download</c>, through the URL importer and its filter.</summary>
    private static async Task<IResult> ImportAsync(string id, HttpContext context, ImageService images)
    {
        var caller = CallerOf(context);
        var imageId = IdOf(id);
        var body = await BodyAsync(context);
        var method = body?["method"] as JsonObject
            ?? throw new RefusedException(RefusalCode.Invalid, "The request body needs a \"method\" object naming the import method.");
        var name = ImageJsonPatch.StringOf(method["name"]);
        if (name != WebDownload)
        {
            // Checked after the image, so that an image the caller cannot see is not found whatever the method.
            await images.GetAsync(caller, imageId, context.RequestAborted);
            return OpenStackErrors.Error(StatusCodes.Status400BadRequest,
                $"Import method '{name}' is not available: this portal imports with {WebDownload} only.");
        }

        await images.ImportAsync(caller, imageId, ImageJsonPatch.StringOf(method["uri"]), context.RequestAborted,
            ImageJsonPatch.StringOf(method[ExpectedChecksumField]));
        return TypedResults.Accepted((string?)null);
    }

    internal static async Task<JsonNode?> BodyAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            throw new RefusedException(RefusalCode.Invalid, OpenStackErrors.BodyIsNotJson);
        }
    }
}
