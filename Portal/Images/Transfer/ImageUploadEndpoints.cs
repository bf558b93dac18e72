using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Identity;
using Portal.Rules;

namespace Portal.Images.Transfer;

/// <summary>
/// <c>PUT /image/v2/images/{id}/file</c>, Glance's image data route: OpenStack tools send the bytes here with their
/// <c>X-Auth-Token</c>, and the browser sends a picked file here directly with XMLHttpRequest and the sign-in cookie —
/// never through the Blazor circuit, which is far too slow for gigabytes. Errors read as Glance's.
/// </summary>
public static class ImageUploadEndpoints
{
    public const string UploadTokenHeader = "X-Upload-Token";

    /// <summary>The checksum the bytes as sent must have: <c>sha256:&lt;hex&gt;</c> (or md5/sha1/sha512, or bare hex told by its length).</summary>
    public const string ExpectedChecksumHeader = "X-Portal-Expected-Checksum";

    /// <summary><c>true</c>: gzip, xz, zstd or bzip2 data (told by its first bytes) is decompressed before it is stored.</summary>
    public const string DecompressHeader = "X-Portal-Decompress";

    /// <summary>The image file route, for uploads and downloads alike.</summary>
    public const string FileRoute = PublicUrls.ImagePath + "/v2/images/{id:guid}/file";

    public const string UploadLinkInvalid = "This upload link is not valid for this image any more. Start the upload again from the portal.";
    public const string OctetStreamOnly = "Send the image data as application/octet-stream.";

    public static string UploadPath(Guid imageId) => $"{PublicUrls.ImagePath}/v2/images/{imageId:D}/file";

    public static IEndpointRouteBuilder MapImageUploadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut(FileRoute, UploadAsync)
            .RequireAuthorization(ApiTokenAuthentication.TokenOrCookiePolicy)
            .WithName("UploadImageData")
            .WithTags("Image data")
            .WithSummary("Upload binary image data (application/octet-stream) to a queued image.")
            .WithDescription($"Optional headers: {ExpectedChecksumHeader} (md5, sha1, sha256 or sha512 hex digest of the bytes as sent, "
                + $"e.g. sha256:<hex>; a mismatch leaves the image queued) and {DecompressHeader}: true (gzip, xz, zstd or bzip2 data, "
                + "told by its first bytes, is decompressed before it is inspected, hashed and stored; without it the bytes are stored as sent).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesOpenStackErrors(
                StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden,
                StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests, StatusCodes.Status507InsufficientStorage);
        return endpoints;
    }

    /// <summary>Describes the OpenStack error body for each status (OpenAPI).</summary>
    public static RouteHandlerBuilder ProducesOpenStackErrors(this RouteHandlerBuilder route, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            route.Produces<OpenStackErrors.ErrorBody>(status);
        }

        return route;
    }

    private static async Task<IResult> UploadAsync(
        Guid id, HttpContext context, ImageTransferService transfers, UploadTokens tokens, IOptions<PortalOptions> options, TimeProvider clock)
    {
        if (Caller.FromPrincipal(context.User) is not { } caller)
        {
            return OpenStackErrors.Error(StatusCodes.Status401Unauthorized, ApiTokenService.AuthenticationRequired);
        }

        // A token is the caller's own deliberate proof (as with Glance); the cookie rides along with any request the
        // browser makes, so a cookie upload also needs the page's upload token (another site cannot read it: CSRF).
        var byToken = context.User.Identity?.AuthenticationType == ApiTokenAuthentication.Scheme;
        if (!byToken && !tokens.IsValid(context.Request.Headers[UploadTokenHeader], id, caller))
        {
            return new Refusal(RefusalCode.NotAllowed, UploadLinkInvalid).ToOpenStackError();
        }

        if (!string.Equals(context.Request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return new Refusal(RefusalCode.UnsupportedMediaType, OctetStreamOnly).ToOpenStackError();
        }

        // The size limit is the portal's own, enforced while the bytes stream in; a multi-hour upload must not be
        // cut by Kestrel's defaults (30 MB body limit, minimum data rate). A stalled client is caught by the idle timeout.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } dataRate)
        {
            dataRate.MinDataRate = null;
        }

        var checksum = ExpectedChecksum.Parse(context.Request.Headers[ExpectedChecksumHeader], out var checksumError);
        if (checksumError is not null)
        {
            return new Refusal(RefusalCode.Invalid, $"{ExpectedChecksumHeader}: {checksumError}").ToOpenStackError();
        }

        var decompressAsked = context.Request.Headers[DecompressHeader].ToString().Trim();
        if (decompressAsked.Length > 0 && !bool.TryParse(decompressAsked, out _))
        {
            return new Refusal(RefusalCode.Invalid, $"{DecompressHeader} is true or false.").ToOpenStackError();
        }

        var asked = new DataExpectations(checksum, string.Equals(decompressAsked, "true", StringComparison.OrdinalIgnoreCase));
        var idle = TimeSpan.FromSeconds(options.Value.Images.TransferIdleTimeoutSeconds);
        await using var body = new SourceStream(context.Request.Body, idle, clock, TransferKind.Upload);
        try
        {
            await transfers.UploadAsync(caller, id, body, context.Request.ContentLength, context.RequestAborted, asked);
            return TypedResults.NoContent();
        }
        catch (RefusedException e)
        {
            return e.Refusal.ToOpenStackError();
        }
        catch (TransferInterruptedException e)
        {
            return OpenStackErrors.Error(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            return TypedResults.Empty;
        }
    }
}
