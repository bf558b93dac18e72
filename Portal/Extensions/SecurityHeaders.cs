namespace Portal.Extensions;

/// <summary>Response headers that keep the browser from sniffing, leaking referrers, framing the portal or running foreign script.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from the portal itself (no inline script: an injected &lt;script&gt; does not run); the circuit's
    /// websocket to the same origin; MudBlazor sets style attributes, so inline styles are allowed; no framing
    /// (clickjacking).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Set as the response starts: a redirect or an error page may clear the headers set before it.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                return Task.CompletedTask;
            });
            await next(context);
        });
}
