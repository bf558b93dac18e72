using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Identity;
using Portal.Rules;

namespace Portal.Extensions;

/// <summary>
/// A fixed window of sign-in attempts per client address (Portal:SignIn), counted apart for the sign-in form and for
/// token requests with an application credential: a rejected form post returns to the sign-in page, a rejected token
/// request gets 429 in Keystone's shape.
/// </summary>
public static class SignInRateLimit
{
    public const string PolicyName = "sign-in";
    public const string TokenPolicyName = "identity-tokens";
    public const string TooManyTokenRequests = "Too many sign-in attempts from this address; wait a minute and try again.";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, PerClient);
            limiter.AddPolicy(TokenPolicyName, PerClient);
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                if (http.Request.Path.StartsWithSegments(PublicUrls.IdentityPath))
                {
                    await OpenStackErrors.WriteAsync(http.Response, StatusCodes.Status429TooManyRequests, TooManyTokenRequests);
                    return;
                }

                http.Response.Redirect(AccountEndpoints.SignInPage(SignInError.TooManyAttempts, string.Empty, AccountEndpoints.DefaultLandingPath));
            };
        });

    private static RateLimitPartition<string> PerClient(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value.SignIn;
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = TimeSpan.FromSeconds(options.WindowSeconds),
            QueueLimit = 0,
        });
    }
}
