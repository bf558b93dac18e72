using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Coordination;
using Portal.Data;
using Portal.Rules;

namespace Portal.Images.Transfer;

/// <summary>A transfer's row in the ledger: its slot and its claim on the quota.</summary>
public sealed record TransferClaim(Guid Id, Guid ImageId, Guid AccountId, TransferKind Kind);

/// <summary>A transfer whose instance stopped renewing it, taken over by this instance to put its image right.</summary>
public sealed record ReclaimedTransfer(Guid ImageId, TransferKind Kind);

/// <summary>
/// The transfers in progress on every instance, kept in the database (<see cref="TransferReservation"/>): per-account
/// transfer slots and the bytes claimed against quotas. Every decision that compares a count or a sum with a limit runs
/// in one transaction that first writes the account's row, so that two instances deciding for one account at once take
/// turns (SQLite's write lock; a row lock elsewhere) and cannot both squeeze under the limit.
/// </summary>
public sealed class TransferLedger(
    IDbContextFactory<PortalDbContext> dbFactory,
    PortalInstance instance,
    TimeProvider clock,
    IOptions<PortalOptions> options)
{
    private const int MaxAttempts = 5;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.Instances.LeaseSeconds);

    /// <summary>
    /// Takes a transfer slot for the image; when <paramref name="limit"/> is given, refused (TooMany, <paramref name="tooMany"/>'s
    /// sentence) if the account already runs that many transfers of the kind on any instance.
    /// </summary>
    public Task<TransferClaim> BeginAsync(
        Guid imageId, Guid accountId, TransferKind kind, int? limit, Func<int, string>? tooMany, CancellationToken cancellationToken) =>
        InAccountTurnAsync(accountId, async (db, now) =>
        {
            if (limit is { } max && await db.TransferReservations.CountAsync(
                    r => r.AccountId == accountId && r.Kind == kind && r.LeasedUntil > now, cancellationToken) >= max)
            {
                throw new RefusedException(RefusalCode.TooMany, tooMany!(max));
            }

            var row = new TransferReservation(imageId, accountId, kind, instance.Id, now, now + Lease);
            db.TransferReservations.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            return new TransferClaim(row.Id, imageId, accountId, kind);
        }, cancellationToken);

    /// <summary>
    /// Takes an import slot for a waiting image: null when its account already runs <paramref name="limit"/> imports, when
    /// another instance took the image first, or when it stopped waiting (cancelled, deleted).
    /// </summary>
    public Task<TransferClaim?> TryBeginImportAsync(Guid imageId, Guid accountId, int limit, CancellationToken cancellationToken) =>
        InAccountTurnAsync<TransferClaim?>(accountId, async (db, now) =>
        {
            if (await db.TransferReservations.CountAsync(
                    r => r.AccountId == accountId && r.Kind == TransferKind.Import && r.LeasedUntil > now, cancellationToken) >= limit
                || await db.TransferReservations.AnyAsync(r => r.ImageId == imageId && r.LeasedUntil > now, cancellationToken)
                || !await db.Images.AnyAsync(i => i.Id == imageId && i.Status == ImageStatus.Importing, cancellationToken))
            {
                return null;
            }

            var row = new TransferReservation(imageId, accountId, TransferKind.Import, instance.Id, now, now + Lease);
            db.TransferReservations.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            return new TransferClaim(row.Id, imageId, accountId, TransferKind.Import);
        }, cancellationToken);

    /// <summary>
    /// Claims <paramref name="total"/> bytes for the transfer against <paramref name="quotaAccountId"/>'s quota: refused
    /// with the sentence <paramref name="exceeded"/> builds (would-be total, quota) when the account's stored bytes, the
    /// other transfers' claims on every instance and this one would pass it.
    /// </summary>
    public Task ClaimAsync(
        Guid claimId, Guid quotaAccountId, long total, long? quota, Func<long, long, Exception> exceeded, CancellationToken cancellationToken) =>
        InAccountTurnAsync(quotaAccountId, async (db, now) =>
        {
            if (quota is { } limit)
            {
                var would = await CountedBytesAsync(db, quotaAccountId, claimId, now, cancellationToken) + total;
                if (would > limit)
                {
                    throw exceeded(would, limit);
                }
            }

            await db.TransferReservations.Where(r => r.Id == claimId).ExecuteUpdateAsync(set => set
                .SetProperty(r => r.Bytes, total)
                .SetProperty(r => r.QuotaAccountId, quotaAccountId)
                .SetProperty(r => r.LeasedUntil, now + Lease), cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Bytes the account's private images occupy now.</summary>
    public static Task<long> StoredBytesAsync(PortalDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        StoredSizes(db, accountId).SumAsync(cancellationToken);

    /// <summary>
    /// What counts against the account's quota: its stored bytes and the claims of its live transfers on every instance
    /// (but <paramref name="except"/>'s). One statement, so one snapshot: under PostgreSQL's read committed, two queries
    /// could fall either side of another transfer's last save (its bytes moving from claimed to stored) and count them in neither.
    /// </summary>
    public static Task<long> CountedBytesAsync(PortalDbContext db, Guid accountId, Guid? except, DateTime now, CancellationToken cancellationToken)
    {
        var stored = StoredSizes(db, accountId);
        var claimed = ClaimedBytes(db, accountId, except, now);
        return db.Accounts.Where(a => a.Id == accountId).Select(_ => stored.Sum() + claimed.Sum()).SingleAsync(cancellationToken);
    }

    /// <summary>Bytes claimed by the account's live transfers on every instance.</summary>
    public async Task<long> InFlightBytesAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await ClaimedBytes(db, accountId, null, Now).SumAsync(cancellationToken);
    }

    private static IQueryable<long> StoredSizes(PortalDbContext db, Guid accountId) =>
        db.Images.OccupyingStorage().Where(i => i.Owner == accountId).Select(i => i.Size ?? 0);

    private static IQueryable<long> ClaimedBytes(PortalDbContext db, Guid accountId, Guid? except, DateTime now) =>
        db.TransferReservations.Where(r => r.QuotaAccountId == accountId && r.LeasedUntil > now && r.Id != except).Select(r => r.Bytes);

    /// <summary>The account's transfers of a kind running now on any instance.</summary>
    public async Task<int> RunningAsync(Guid accountId, TransferKind kind, CancellationToken cancellationToken = default)
    {
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.TransferReservations.CountAsync(r => r.AccountId == accountId && r.Kind == kind && r.LeasedUntil > now, cancellationToken);
    }

    /// <summary>Whether a transfer of the image runs now on any instance.</summary>
    public async Task<bool> IsRunningAsync(Guid imageId, CancellationToken cancellationToken = default)
    {
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.TransferReservations.AnyAsync(r => r.ImageId == imageId && r.LeasedUntil > now, cancellationToken);
    }

    /// <summary>The transfer ended: its slot and its claim are given back.</summary>
    public async Task EndAsync(TransferClaim claim)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.TransferReservations.Where(r => r.Id == claim.Id).ExecuteDeleteAsync(CancellationToken.None);
    }

    /// <summary>Removes the claim as part of <paramref name="db"/>'s next save (the save that makes its bytes stored ones).</summary>
    public static async Task EndWithAsync(PortalDbContext db, TransferClaim claim, CancellationToken cancellationToken)
    {
        if (await db.TransferReservations.FindAsync([claim.Id], cancellationToken) is { } row)
        {
            db.TransferReservations.Remove(row);
        }
    }

    /// <summary>
    /// Asks whichever instance runs the image's transfer to stop it; false when none runs. <paramref name="by"/> is who
    /// asked (for the activity log).
    /// </summary>
    public async Task<bool> RequestCancelAsync(Guid imageId, Caller? by, CancellationToken cancellationToken = default)
    {
        var now = Now;
        var who = by is null ? null : JsonSerializer.Serialize(by);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.TransferReservations.Where(r => r.ImageId == imageId && r.LeasedUntil > now)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.CancelRequested, true).SetProperty(r => r.CancelRequestedBy, who), cancellationToken) > 0;
    }

    /// <summary>Renews this instance's transfers' leases; answers the cancel requests waiting for them (image, who asked).</summary>
    public async Task<IReadOnlyList<(Guid ImageId, Caller? By)>> HeartbeatAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var me = instance.Id;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.TransferReservations.Where(r => r.InstanceId == me)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.LeasedUntil, now + Lease), cancellationToken);
        var requests = await db.TransferReservations.AsNoTracking()
            .Where(r => r.InstanceId == me && r.CancelRequested)
            .Select(r => new { r.ImageId, r.CancelRequestedBy })
            .ToListAsync(cancellationToken);
        return requests.Select(r => (r.ImageId, r.CancelRequestedBy is { } json ? JsonSerializer.Deserialize<Caller>(json) : null)).ToList();
    }

    /// <summary>
    /// Takes over the transfers whose instance stopped renewing them: each row is removed by a conditional delete, so of
    /// several instances reclaiming at once exactly one puts each image right.
    /// </summary>
    public async Task<IReadOnlyList<ReclaimedTransfer>> ReclaimExpiredAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var me = instance.Id;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await db.TransferReservations.AsNoTracking()
            .Where(r => r.LeasedUntil <= now || r.InstanceId != me)
            .Select(r => new { r.Id, r.ImageId, r.Kind, r.InstanceId, r.LeasedUntil })
            .ToListAsync(cancellationToken);

        // A predecessor on this machine that crashed is known dead at once (a restart repairs its transfers straight away).
        var gone = candidates.Select(r => r.InstanceId).Distinct().Where(PortalInstance.IsGoneFromThisMachine).ToHashSet();
        var reclaimed = new List<ReclaimedTransfer>();
        foreach (var row in candidates.Where(r => r.LeasedUntil <= now || gone.Contains(r.InstanceId)))
        {
            var instanceGone = gone.Contains(row.InstanceId);
            var removed = await db.TransferReservations
                .Where(r => r.Id == row.Id && (r.LeasedUntil <= now || (instanceGone && r.InstanceId == row.InstanceId)))
                .ExecuteDeleteAsync(cancellationToken);
            if (removed == 1)
            {
                reclaimed.Add(new ReclaimedTransfer(row.ImageId, row.Kind));
            }
        }

        return reclaimed;
    }

    /// <summary>The images whose transfer runs now on some instance.</summary>
    public async Task<IReadOnlySet<Guid>> LiveImagesAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return (await db.TransferReservations.Where(r => r.LeasedUntil > now).Select(r => r.ImageId).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>
    /// Runs <paramref name="decide"/> in a transaction that first writes the account's row: whoever decides for the same
    /// account on any instance waits for this one to commit. A serialization failure (another engine's answer to the same
    /// race) is tried again.
    /// </summary>
    private async Task<T> InAccountTurnAsync<T>(Guid accountId, Func<PortalDbContext, DateTime, Task<T>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                await db.Accounts.Where(a => a.Id == accountId)
                    .ExecuteUpdateAsync(set => set.SetProperty(a => a.StorageQuotaBytes, a => a.StorageQuotaBytes), cancellationToken);
                var result = await decide(db, Now);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        DbException { IsTransient: true } => true,
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };
}
