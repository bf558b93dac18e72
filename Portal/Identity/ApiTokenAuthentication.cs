using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Rules;

namespace Portal.Identity;

/// <summary>
/// Signs API requests in by their <c>X-Auth-Token</c>, as Keystone's middleware does for Glance. The OpenStack routes
/// take tokens only (<see cref="TokenPolicy"/>); the image file routes take a token or the portal's sign-in cookie
/// (<see cref="TokenOrCookiePolicy"/>), so the browser's Download button and upload use the same route as the tools.
/// </summary>
public static class ApiTokenAuthentication
{
    public const string Scheme = "ApiToken";
    public const string TokenOrCookieScheme = "ApiTokenOrCookie";
    public const string Header = "X-Auth-Token";
    public const string CredentialClaim = "portal:application_credential";

    public const string TokenPolicy = "api-token";
    public const string TokenOrCookiePolicy = "api-token-or-cookie";

    /// <summary>Keystone's words for a signed-in caller whose role may not use a route.</summary>
    public const string NotAuthorized = "You are not authorized to perform the requested action.";

    public static AuthenticationBuilder AddApiTokens(this AuthenticationBuilder authentication)
    {
        authentication.AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(Scheme, options => { });
        authentication.AddPolicyScheme(TokenOrCookieScheme, "API token or sign-in cookie", options =>
            options.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(Header) ? Scheme : IdentityConstants.ApplicationScheme);
        return authentication;
    }

    public static AuthorizationBuilder AddApiTokenPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(TokenPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
        .AddPolicy(TokenOrCookiePolicy, policy => policy.AddAuthenticationSchemes(TokenOrCookieScheme).RequireAuthenticatedUser());
}

/// <summary>Reads <c>X-Auth-Token</c>; a missing or void token is answered 401 in Keystone's words and shape.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    PublicUrls urls)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The session of the request's token, for endpoints that describe it (token validation).</summary>
    public static ApiSession? SessionOf(HttpContext context) => context.Items.TryGetValue(typeof(ApiSession), out var session) ? session as ApiSession : null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiTokenAuthentication.Header, out var header))
        {
            return AuthenticateResult.NoResult();
        }

        if (await tokens.ValidateAsync(header.ToString(), Context.RequestAborted) is not { } session)
        {
            return AuthenticateResult.Fail(ApiTokenService.AuthenticationRequired);
        }

        Context.Items[typeof(ApiSession)] = session;
        var principal = session.Caller.ToPrincipal(ApiTokenAuthentication.Scheme,
            new Claim(ApiTokenAuthentication.CredentialClaim, session.Credential.PublicId));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, ApiTokenAuthentication.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"Keystone uri=\"{urls.Identity}\"";
        return OpenStackErrors.WriteAsync(Response, StatusCodes.Status401Unauthorized, ApiTokenService.AuthenticationRequired);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        OpenStackErrors.WriteAsync(Response, StatusCodes.Status403Forbidden, ApiTokenAuthentication.NotAuthorized);
}
