using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;
using Portal.Rules;

namespace Portal.Identity;

/// <summary>A credential just made: the secret exists only here, once; the portal keeps its hash.</summary>
public sealed record CreatedApplicationCredential(ApplicationCredential Credential, string Secret);

/// <summary>A user's application credentials: list, create, revoke. Each user sees and revokes only their own.</summary>
public sealed class ApplicationCredentialService(
    IDbContextFactory<PortalDbContext> dbFactory,
    NewApplicationCredentialValidator validator,
    TimeProvider clock,
    ILogger<ApplicationCredentialService> logger)
{
    public const int MaxPerUser = 50;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<ApplicationCredential>> ListAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var credentials = await db.ApplicationCredentials.AsNoTracking().Where(c => c.UserId == caller.UserId).ToListAsync(cancellationToken);
        return [.. credentials.OrderByDescending(c => c.CreatedAt)];
    }

    public async Task<CreatedApplicationCredential> CreateAsync(
        Caller caller, NewApplicationCredential request, CancellationToken cancellationToken = default)
    {
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            throw new RefusedException(RefusalCode.Invalid, validation.Errors[0].ErrorMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var name = request.Name.Trim();
        var mine = db.ApplicationCredentials.Where(c => c.UserId == caller.UserId);
        if (await mine.AnyAsync(c => c.Name == name, cancellationToken))
        {
            throw new RefusedException(RefusalCode.Invalid, $"You already have an application credential named “{name}”.");
        }

        if (await mine.CountAsync(cancellationToken) >= MaxPerUser)
        {
            throw new RefusedException(RefusalCode.TooMany,
                $"You already have {MaxPerUser} application credentials; revoke one you no longer use first.");
        }

        var secret = Secrets.New();
        var credential = new ApplicationCredential(Guid.NewGuid(), caller.UserId, request, Secrets.Hash(secret), Now);
        db.ApplicationCredentials.Add(credential);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Application credential {CredentialId} created by {User}", credential.PublicId, caller.Email);
        return new CreatedApplicationCredential(credential, secret);
    }

    /// <summary>Deletes the credential and every token issued for it: both stop working at once.</summary>
    public async Task RevokeAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.ApplicationCredentials.Where(c => c.Id == id && c.UserId == caller.UserId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            throw new RefusedException(RefusalCode.NotFound, "There is no such application credential (it may have been revoked already).");
        }

        await db.ApiTokens.Where(t => t.CredentialId == id).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Application credential {CredentialId} revoked by {User}", ApplicationCredential.FormatId(id), caller.Email);
    }
}
