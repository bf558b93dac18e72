using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Rules;

namespace Portal.Identity;

/// <summary>A valid token: who it speaks for, through which credential, in which account.</summary>
public sealed record ApiSession(ApiToken Token, ApplicationCredential Credential, Caller Caller, Account Account);

/// <summary>A token just issued: the token string exists only here, once.</summary>
public sealed record IssuedApiToken(string Token, ApiSession Session);

/// <summary>
/// Issues tokens for application credentials (Keystone's <c>POST /v3/auth/tokens</c>) and checks them on every API
/// request. A token is valid while it has not expired, its credential still exists and has not expired, and its user
/// can still sign in; it acts as that user with their account and role, never more.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, IOptions<PortalOptions> options)
{
    /// <summary>Keystone's words, the same for an unknown credential, a wrong secret, an expired credential or token.</summary>
    public const string AuthenticationRequired = "The request you have made requires authentication.";

    public const string TokenNotFound = "Could not find token: the token is unknown, expired or revoked.";

    private const int MaxTokenLength = 256;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.Api.TokenLifetimeMinutes);

    public async Task<IssuedApiToken> IssueAsync(string? credentialId, string? secret, CancellationToken cancellationToken = default)
    {
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var id = ApplicationCredential.ParseId(credentialId);
        var credential = id is null ? null : await db.ApplicationCredentials.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);

        // Hash the secret whether or not the credential exists, so that the answer's timing does not tell which.
        var matches = Secrets.Matches(secret ?? string.Empty, credential?.SecretHash ?? new byte[32]);
        if (credential is null || !matches || credential.IsExpired(now)
            || await CallerOfAsync(db, credential.UserId, now, cancellationToken) is not { } session)
        {
            throw new RefusedException(RefusalCode.NotAuthenticated, AuthenticationRequired);
        }

        var expires = now + Lifetime;
        if (credential.ExpiresAt is { } credentialExpires && credentialExpires < expires)
        {
            expires = credentialExpires;
        }

        var token = Secrets.New();
        var record = new ApiToken(Guid.NewGuid(), Secrets.Hash(token), credential, now, expires);
        await db.ApiTokens.Where(t => t.CredentialId == credential.Id && t.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        credential.Used(now);
        db.ApiTokens.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedApiToken(token, new ApiSession(record, credential, session.Caller, session.Account));
    }

    /// <summary>The session a token opens, or null when it is unknown, expired or revoked.</summary>
    public async Task<ApiSession?> ValidateAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        var now = Now;
        var hash = Secrets.Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await (
            from t in db.ApiTokens.AsNoTracking()
            join c in db.ApplicationCredentials.AsNoTracking() on t.CredentialId equals c.Id
            where t.Hash == hash
            select new { Token = t, Credential = c }).SingleOrDefaultAsync(cancellationToken);
        if (found is null || found.Token.ExpiresAt <= now || found.Credential.IsExpired(now)
            || await CallerOfAsync(db, found.Token.UserId, now, cancellationToken) is not { } session)
        {
            return null;
        }

        return new ApiSession(found.Token, found.Credential, session.Caller, session.Account);
    }

    /// <summary>
    /// The session of another token as <paramref name="asking"/> may see it: a user inspects their own tokens, the
    /// operator anyone's; someone else's token is, to a customer, not there (null, as for an unknown one).
    /// </summary>
    public async Task<ApiSession?> InspectAsync(Caller asking, string? subjectToken, CancellationToken cancellationToken = default) =>
        await ValidateAsync(subjectToken, cancellationToken) is { } subject && (subject.Caller.UserId == asking.UserId || asking.IsOperator)
            ? subject
            : null;

    /// <summary>The user as the portal's pages know them (account, operator role); null once they cannot sign in.</summary>
    private static async Task<(Caller Caller, Account Account)?> CallerOfAsync(
        PortalDbContext db, string userId, DateTime now, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null || user.LockoutEnd > now)
        {
            return null;
        }

        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == user.AccountId, cancellationToken);
        var isOperator = await (
            from userRole in db.UserRoles
            join role in db.Roles on userRole.RoleId equals role.Id
            where userRole.UserId == userId && role.Name == Caller.OperatorRole
            select role.Id).AnyAsync(cancellationToken);
        return (new Caller(user.Id, user.Email ?? user.UserName ?? user.Id, user.AccountId, isOperator), account);
    }
}
