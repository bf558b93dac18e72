using Microsoft.Net.Http.Headers;
using Portal.Accounts;
using Portal.Identity;
using Portal.Rules;

namespace Portal.Images.Transfer;

/// <summary>
/// <c>GET /image/v2/images/{id}/file</c>: an image's data as Glance serves it — <c>Content-MD5</c> with the hex MD5
/// checksum (Glance's header, not RFC 1864's base64), <c>ETag</c>, single byte ranges (206, 416) — for tools by
/// token and for the details page's Download button by cookie. Streamed from the store in constant memory.
/// </summary>
public static class ImageDownloadEndpoints
{
    public const string ContentMd5Header = "Content-MD5";
    public const string OctetStream = "application/octet-stream";

    public static string DownloadPath(Guid imageId) => ImageUploadEndpoints.UploadPath(imageId);

    public static IEndpointRouteBuilder MapImageDownloadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(ImageUploadEndpoints.FileRoute, [HttpMethods.Get, HttpMethods.Head], DownloadAsync)
            .RequireAuthorization(ApiTokenAuthentication.TokenOrCookiePolicy)
            .WithName("DownloadImageData")
            .WithTags("Image data")
            .WithSummary("Download binary image data; single byte ranges (Range: bytes=…) answer 206.")
            .Produces(StatusCodes.Status200OK, contentType: OctetStream)
            .Produces(StatusCodes.Status204NoContent)
            .Produces(StatusCodes.Status206PartialContent, contentType: OctetStream)
            .Produces(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesOpenStackErrors(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict);
        return endpoints;
    }

    private static async Task<IResult> DownloadAsync(Guid id, HttpContext context, ImageTransferService transfers)
    {
        if (Caller.FromPrincipal(context.User) is not { } caller)
        {
            return OpenStackErrors.Error(StatusCodes.Status401Unauthorized, ApiTokenService.AuthenticationRequired);
        }

        ImageDownload download;
        try
        {
            // HEAD reads nothing; a GET's store read starts now, for the single range it asks for when it asks for one.
            var isGet = HttpMethods.IsGet(context.Request.Method);
            download = await transfers.OpenDownloadAsync(caller, id, isGet ? SingleRangeOf(context.Request) : null, readAhead: isGet,
                context.RequestAborted);
        }
        catch (RefusedException e) when (e.Code == RefusalCode.NoData)
        {
            return TypedResults.NoContent();
        }
        catch (RefusedException e)
        {
            return e.Refusal.ToOpenStackError();
        }

        var image = download.Image;
        EntityTagHeaderValue? etag = null;
        if (image.Checksum is { } checksum)
        {
            // Glance sends the checksum of the whole image, on partial answers too.
            context.Response.Headers[ContentMd5Header] = checksum;
            etag = new EntityTagHeaderValue($"\"{checksum}\"");
        }

        // The result disposes the stream; with range processing it answers Range/If-Range/If-None-Match itself (206,
        // 416 with Content-Range: bytes */size, 304), and HEAD gets the headers without the body.
        return TypedResults.Stream(download.Data, OctetStream, download.FileName,
            lastModified: image.ActivatedAt is { } activated ? new DateTimeOffset(activated, TimeSpan.Zero) : null,
            entityTag: etag, enableRangeProcessing: true);
    }

    /// <summary>
    /// The one byte range a request asks for, if it asks for exactly one: only a hint of where the result will read
    /// (it still decides itself, If-Range included), so that an object store is asked for just those bytes.
    /// </summary>
    private static ByteRange? SingleRangeOf(HttpRequest request) =>
        request.GetTypedHeaders().Range is { Unit.Value: "bytes", Ranges: { Count: 1 } ranges } && ranges.Single() is var range
            ? new ByteRange(range.From, range.To)
            : null;
}
