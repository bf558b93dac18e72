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
}
