using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;

namespace Portal.Images.Transfer;

/// <summary>
/// <c>PUT /v2/images/{id}/file</c>: the browser sends a file's bytes here directly with XMLHttpRequest, as
/// Glance's image data endpoint receives them — never through the Blazor circuit, which is far too slow
/// for gigabytes.
/// </summary>
public static class ImageUploadEndpoints
{
    public const string UploadTokenHeader = "X-Upload-Token";
    public const string ApiPrefix = "/v2/";

    public static string UploadPath(Guid imageId) => $"/v2/images/{imageId:D}/file";

    public static IEndpointRouteBuilder MapImageUploadEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut("/v2/images/{id:guid}/file", UploadAsync).RequireAuthorization();
        return endpoints;
    }

    private static async Task<IResult> UploadAsync(
        Guid id, HttpContext context, ImageTransferService transfers, UploadTokens tokens, IOptions<PortalOptions> options, TimeProvider clock)
    {
        if (Caller.FromPrincipal(context.User) is not { } caller)
        {
            return Results.Unauthorized();
        }

        if (!tokens.IsValid(context.Request.Headers[UploadTokenHeader], id, caller))
        {
            return Problem(StatusCodes.Status403Forbidden, "This upload link is not valid for this image any more. Start the upload again from the portal.");
        }

        if (!string.Equals(context.Request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send the image data as application/octet-stream.");
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

        var idle = TimeSpan.FromSeconds(options.Value.Images.TransferIdleTimeoutSeconds);
        await using var body = new SourceStream(context.Request.Body, idle, clock, (stalled, e) => new TransferInterruptedException(
            stalled ? $"No data arrived for {idle.TotalSeconds:0} seconds. {ImageTransferService.UploadStoppedReason}" : ImageTransferService.UploadStoppedReason, e));
        try
        {
            await transfers.UploadAsync(caller, id, body, context.Request.ContentLength, context.RequestAborted);
            return Results.NoContent();
        }
        catch (ImageNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, e.Message);
        }
        catch (ImageTransferRefusedException e)
        {
            return Problem(e.Kind == TransferRefusal.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, e.Message);
        }
        catch (ImageException e)
        {
            return Problem(StatusCodes.Status409Conflict, e.Message);
        }
        catch (TransferInterruptedException e)
        {
            return Problem(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            return Results.Empty;
        }
    }

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
