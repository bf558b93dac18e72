using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;

namespace Portal.Images.Usage;

/// <summary>An account as the operator sees it on the storage quotas page.</summary>
public sealed record AccountStorage(Guid Id, string Name, int Users, long StoredBytes, long? OwnQuotaBytes, long? EffectiveQuotaBytes);

/// <summary>The operator's view and control of every account's storage quota.</summary>
public sealed class AccountQuotaService(IDbContextFactory<PortalDbContext> dbFactory, IOptions<PortalOptions> options)
{
    public async Task<IReadOnlyList<AccountStorage>> ListAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        Account.DecideManageQuotas(caller).ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.Images.OccupyingStorage()
            .GroupBy(i => i.Owner)
            .Select(g => new { Owner = g.Key, Bytes = g.Sum(i => i.Size ?? 0) })
            .ToDictionaryAsync(g => g.Owner, g => g.Bytes, cancellationToken);
        var users = await db.Users.GroupBy(u => u.AccountId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken);
        var fallback = options.Value.Storage.DefaultQuotaBytes;
        return accounts.Select(a => new AccountStorage(a.Id, a.Name, users.GetValueOrDefault(a.Id), stored.GetValueOrDefault(a.Id),
            a.StorageQuotaBytes, Account.EffectiveQuota(a.StorageQuotaBytes, fallback))).ToList();
    }

    /// <summary>Gives an account a quota of its own, or (null) returns it to the default.</summary>
    public async Task SetQuotaAsync(Caller caller, Guid accountId, long? quotaBytes, CancellationToken cancellationToken = default)
    {
        Account.DecideManageQuotas(caller).ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken)
            ?? throw new Rules.RefusedException(Rules.RefusalCode.NotFound, "That account does not exist.");
        account.SetStorageQuota(caller, quotaBytes);
        await db.SaveChangesAsync(cancellationToken);
    }
}
