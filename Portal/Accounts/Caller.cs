using System.Security.Claims;

namespace Portal.Accounts;

/// <summary>Who is asking the domain for something: the signed-in user, their account (tenant) and role.</summary>
public sealed record Caller(string UserId, string Email, Guid AccountId, bool IsOperator)
{
    public const string AccountClaim = "portal:account";
    public const string OperatorRole = "operator";

    /// <summary>Reads the caller from a signed-in principal; null when the principal has no account.</summary>
    public static Caller? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var account = principal.FindFirstValue(AccountClaim);
        if (userId is null || !Guid.TryParse(account, out var accountId))
        {
            return null;
        }

        var email = principal.FindFirstValue(ClaimTypes.Email) ?? principal.Identity.Name ?? userId;
        return new Caller(userId, email, accountId, principal.IsInRole(OperatorRole));
    }

    /// <summary>The principal an API token signs in with: the same claims <see cref="FromPrincipal"/> reads from the cookie's.</summary>
    public ClaimsPrincipal ToPrincipal(string authenticationType, params Claim[] more)
    {
        var identity = new ClaimsIdentity(authenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, UserId));
        identity.AddClaim(new Claim(ClaimTypes.Name, Email));
        identity.AddClaim(new Claim(ClaimTypes.Email, Email));
        identity.AddClaim(new Claim(AccountClaim, AccountId.ToString("D")));
        if (IsOperator)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, OperatorRole));
        }

        identity.AddClaims(more);
        return new ClaimsPrincipal(identity);
    }
}
