using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Portal.Extensions;

namespace Portal.Accounts;

/// <summary>
/// Sign-in and sign-out are plain form posts: a cookie can only be set on an HTTP response,
/// never from inside a Blazor circuit.
/// </summary>
public static class AccountEndpoints
{
    public const string SignInPath = "/account/sign-in";
    public const string SignInSubmitPath = "/account/sign-in/submit";
    public const string SignOutPath = "/account/sign-out";
    public const string AccessDeniedPath = "/account/access-denied";
    public const string DefaultLandingPath = "/compute/images";

    private static readonly string UnknownUserHash = new PasswordHasher<PortalUser>().HashPassword(new PortalUser(), Guid.NewGuid().ToString());

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(SignInSubmitPath, SignInAsync).WithMetadata(new RequireAntiforgeryTokenAttribute())
            .RequireRateLimiting(SignInRateLimit.PolicyName);
        endpoints.MapPost(SignOutPath, SignOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute());
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, SignInManager<PortalUser> signInManager, ILoggerFactory loggers)
    {
        // A page left open across a restart or a cookie clean-up posts a stale token: ask again, kindly.
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false } || !context.Request.HasFormContentType)
        {
            return Results.LocalRedirect(SignInPage(SignInError.Expired, string.Empty, DefaultLandingPath));
        }

        var fields = await context.Request.ReadFormAsync(context.RequestAborted);
        var form = new SignInForm
        {
            Email = fields["Email"],
            Password = fields["Password"],
            RememberMe = bool.TryParse(fields["RememberMe"], out var remember) && remember,
            ReturnUrl = fields["ReturnUrl"],
        };
        var returnUrl = LocalOrDefault(form.ReturnUrl);
        var email = form.Email?.Trim() ?? string.Empty;
        if (email.Length == 0 || string.IsNullOrEmpty(form.Password))
        {
            return Results.LocalRedirect(SignInPage(SignInError.Missing, email, returnUrl));
        }

        // Looking the user up by email first and signing in with the object keeps the answer the same
        // for a wrong password and an unknown email: nobody learns which addresses have accounts.
        var user = await signInManager.UserManager.FindByEmailAsync(email);
        if (user is null)
        {
            // Spend the time a password check costs, so response times do not tell either.
            signInManager.UserManager.PasswordHasher.VerifyHashedPassword(new PortalUser(), UnknownUserHash, form.Password);
        }

        var result = user is null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signInManager.PasswordSignInAsync(user, form.Password, form.RememberMe, lockoutOnFailure: true);

        if (result.Succeeded)
        {
            return Results.LocalRedirect(returnUrl);
        }

        // A locked account gets the wrong-password answer: a different one would confirm to a guesser that the
        // address exists and that the lockout threshold was reached. Only the log tells the operator.
        if (result.IsLockedOut)
        {
            loggers.CreateLogger(typeof(AccountEndpoints)).LogWarning("Sign-in locked out for {Email}", email);
        }

        return Results.LocalRedirect(SignInPage(SignInError.Invalid, email, returnUrl));
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, SignInManager<PortalUser> signInManager)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            return Results.BadRequest();
        }

        await signInManager.SignOutAsync();
        return Results.LocalRedirect(SignInPath);
    }

    /// <summary>
    /// A path on this site, or the landing page. Browsers drop tabs and line breaks from URLs, so "/\t/evil.example"
    /// would become "//evil.example", another site: a control character anywhere makes the URL not local.
    /// </summary>
    public static string LocalOrDefault(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : DefaultLandingPath;

    internal static string SignInPage(SignInError error, string email, string returnUrl) =>
        $"{SignInPath}?error={error.ToString().ToLowerInvariant()}&email={Uri.EscapeDataString(email)}&returnUrl={Uri.EscapeDataString(returnUrl)}";

    public sealed class SignInForm
    {
        public string? Email { get; set; }
        public string? Password { get; set; }
        public bool RememberMe { get; set; }
        public string? ReturnUrl { get; set; }
    }
}

public enum SignInError
{
    Missing,
    Invalid,
    Expired,
    TooManyAttempts,
}
