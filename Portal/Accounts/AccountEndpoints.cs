using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Accounts;

/// <summary>
/// Sign-in and sign-out are plain form posts: a cookie can only be set on an HTTP response,
/// never from inside a Blazor circuit.
/// </summary>
public static class AccountEndpoints
{
    public const string SignInPath = "/account/sign-in";
    public const string SignOutPath = "/account/sign-out";
    public const string DefaultLandingPath = "/compute/images";

    private static readonly string UnknownUserHash = new PasswordHasher<PortalUser>().HashPassword(new PortalUser(), Guid.NewGuid().ToString());

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(SignInPath, SignInAsync);
        endpoints.MapPost(SignOutPath, SignOutAsync);
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm] SignInForm form, SignInManager<PortalUser> signInManager, ILoggerFactory loggers)
    {
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

        if (result.IsLockedOut)
        {
            loggers.CreateLogger(typeof(AccountEndpoints)).LogWarning("Sign-in locked out for {Email}", email);
            return Results.LocalRedirect(SignInPage(SignInError.LockedOut, email, returnUrl));
        }

        return Results.LocalRedirect(SignInPage(SignInError.Invalid, email, returnUrl));
    }

    private static async Task<IResult> SignOutAsync(SignInManager<PortalUser> signInManager, [FromForm] string? returnUrl)
    {
        await signInManager.SignOutAsync();
        return Results.LocalRedirect(SignInPath);
    }

    public static string LocalOrDefault(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : DefaultLandingPath;

    private static string SignInPage(SignInError error, string email, string returnUrl) =>
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
    LockedOut,
}
