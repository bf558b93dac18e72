using System.Text.Json.Serialization;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Rules;

/// <summary>
/// How a refusal reads on the OpenStack routes (<c>/identity</c>, <c>/image</c>): the body Keystone and Glance answer
/// with, <c>{"error": {"code": 404, "title": "Not Found", "message": "…"}}</c>. OpenStack's clients print the
/// <c>message</c> of each object in the body; the portal's own refusal code rides along as <c>reason</c>.
/// </summary>
public static class OpenStackErrors
{
    public const string BodyIsNotJson = "The request body is not valid JSON.";

    public static IResult ToOpenStackError(this Refusal refusal) =>
        Error(RefusalProblems.StatusOf(refusal.Code), refusal.Message, refusal.WireCode);

    /// <summary>A refusal that is not the domain's (no token, a malformed request), in the same shape.</summary>
    public static IResult Error(int status, string message, string? reason = null) =>
        TypedResults.Json(Body(status, message, reason), statusCode: status);

    public static Task WriteAsync(HttpResponse response, int status, string message, string? reason = null)
    {
        response.StatusCode = status;
        return response.WriteAsJsonAsync(Body(status, message, reason));
    }

    public static ErrorBody Body(int status, string message, string? reason = null) =>
        new(new ErrorDetail(status, ReasonPhrases.GetReasonPhrase(status), message, reason));

    public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);

    public sealed record ErrorDetail(
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);
}
