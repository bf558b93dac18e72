using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;

namespace Portal.Images.Usage;

/// <summary>What an account's private images occupy and cost: now, this month so far, and the month's estimate.</summary>
public sealed record StorageUsage(
    long CurrentBytes,
    long? QuotaBytes,
    decimal MonthGbHours,
    decimal MonthCostSoFar,
    decimal EstimatedMonthCost,
    decimal PricePerGbHour,
    string Currency,
    DateTime MonthStart,
    DateTime MonthEnd,
    IReadOnlyList<DailyStorage> Daily,
    long PendingDeleteBytes = 0)
{
    public long? RemainingBytes => QuotaBytes is { } quota ? Math.Max(0, quota - CurrentBytes) : null;

    public double? QuotaUsedPercent => QuotaBytes is > 0 and var quota ? Math.Min(100, CurrentBytes * 100.0 / quota) : null;
}

public sealed class UsageService(
    IDbContextFactory<PortalDbContext> dbFactory, StorageQuota quota, TimeProvider clock, IOptions<PortalOptions> options)
{
    public const int ChartDays = 30;

    public async Task<StorageUsage> GetAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var monthStart = StorageAccrual.MonthStart(now);
        var monthEnd = monthStart.AddMonths(1);
        var windowStart = new[] { monthStart, now.Date.AddDays(-(ChartDays - 1)) }.Min();
        var spans = await SpansAsync(caller.AccountId, windowStart, cancellationToken);

        var price = options.Value.Storage.PricePerGbHour;
        var accrued = StorageAccrual.GbHours(spans, monthStart, now);
        var current = StorageAccrual.BytesAt(spans, now);
        var estimate = accrued + current / StorageAccrual.BytesPerGb * (decimal)(monthEnd - now).TotalHours;
        return new StorageUsage(
            current,
            await quota.QuotaOfAsync(caller.AccountId, cancellationToken),
            accrued,
            accrued * price,
            estimate * price,
            price,
            options.Value.Storage.Currency,
            monthStart,
            monthEnd,
            StorageAccrual.Daily(spans, now, ChartDays),
            await PendingDeleteBytesAsync(caller.AccountId, cancellationToken));
    }

    /// <summary>Bytes of the account's recently deleted images: still stored, counted and billed until they are removed.</summary>
    private async Task<long> PendingDeleteBytesAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Images.OccupyingStorage()
            .Where(i => i.Owner == accountId && i.Status == ImageStatus.PendingDelete)
            .SumAsync(i => i.Size ?? 0, cancellationToken);
    }

    /// <summary>
    /// The account's private images that occupied storage at some point since <paramref name="since"/>. Every figure is
    /// taken from <paramref name="since"/> on, where all images stored before it and still stored count alike: the
    /// database sums those into one span, so an account of a hundred thousand images reads a handful of rows, not all.
    /// </summary>
    private async Task<List<StoredSpan>> SpansAsync(Guid accountId, DateTime since, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = db.Images.AsNoTracking().AccountOwnedOnly()
            .Where(i => i.Owner == accountId && i.Size != null && i.ActivatedAt != null);
        var throughout = await stored.Where(i => i.ActivatedAt <= since && i.DeletedAt == null)
            .SumAsync(i => i.Size ?? 0, cancellationToken);
        var rows = await stored
            .Where(i => (i.DeletedAt == null && i.ActivatedAt > since) || i.DeletedAt > since)
            .Select(i => new { i.Size, i.ActivatedAt, i.DeletedAt })
            .ToListAsync(cancellationToken);
        var spans = rows.Select(r => new StoredSpan(r.Size!.Value, r.ActivatedAt!.Value, r.DeletedAt)).ToList();
        if (throughout > 0)
        {
            spans.Add(new StoredSpan(throughout, since, null));
        }

        return spans;
    }
}
