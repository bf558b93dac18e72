using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;

namespace Portal.Extensions;

/// <summary>A fixed window of sign-in posts per client address (Portal:SignIn); a rejected post returns to the sign-in page.</summary>
public static class SignInRateLimit
{
    public const string PolicyName = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<PortalOptions>>().Value.SignIn;
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitLimit,
                    Window = TimeSpan.FromSeconds(options.WindowSeconds),
                    QueueLimit = 0,
                });
            });
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                rejected.HttpContext.Response.Redirect(
                    AccountEndpoints.SignInPage(SignInError.TooManyAttempts, string.Empty, AccountEndpoints.DefaultLandingPath));
                return ValueTask.CompletedTask;
            };
        });
}
