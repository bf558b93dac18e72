using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Rules;

/// <summary>How a refusal reads over HTTP: RFC 7807 problem details, with the same sentence the pages show.</summary>
public static class RefusalProblems
{
    public static int StatusOf(RefusalCode code) => code switch
    {
        RefusalCode.NotFound => StatusCodes.Status404NotFound,
        RefusalCode.NotAuthenticated => StatusCodes.Status401Unauthorized,
        RefusalCode.NotAllowed or RefusalCode.Protected => StatusCodes.Status403Forbidden,
        RefusalCode.InvalidState or RefusalCode.Stale => StatusCodes.Status409Conflict,
        RefusalCode.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RefusalCode.TooMany => StatusCodes.Status429TooManyRequests,
        RefusalCode.StoreFull => StatusCodes.Status507InsufficientStorage,
        RefusalCode.NoData => StatusCodes.Status204NoContent,
        RefusalCode.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        RefusalCode.Invalid or RefusalCode.BadData => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>
    /// The problem document: <c>detail</c> for RFC 7807 readers, and <c>message</c> and <c>code</c> the way
    /// OpenStack's clients read an error body.
    /// </summary>
    public static ProblemHttpResult ToProblem(this Refusal refusal) => TypedResults.Problem(
        detail: refusal.Message,
        statusCode: StatusOf(refusal.Code),
        extensions: new Dictionary<string, object?> { ["code"] = refusal.WireCode, ["message"] = refusal.Message });

    /// <summary>A refusal that is not the domain's (a malformed request), in the same shape.</summary>
    public static ProblemHttpResult Problem(int status, string message) => TypedResults.Problem(
        detail: message,
        statusCode: status,
        extensions: new Dictionary<string, object?> { ["message"] = message });
}
