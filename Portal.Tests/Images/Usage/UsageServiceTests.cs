using Portal.Configuration;
using Portal.Images;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Usage;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UsageServiceTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new(Priced);

    public void Dispose() => _harness.Dispose();

    /// <summary>0.5 EUR a GB-hour and a 50 GB quota.</summary>
    private static void Priced(PortalOptions options)
    {
        options.Storage.PricePerGbHour = 0.5m;
        options.Storage.Currency = "EUR";
        options.Storage.DefaultQuotaGb = 50;
    }

    private UsageService Usage() => _harness.Usage;

    [Fact]
    public async Task UsageFollowsTheLifetimeOfEachPrivateImageThisMonth()
    {
        // 1 November 00:00: a 2 GB image becomes active; on the 11th a 1 GB one, deleted (and then deleted permanently) on the 21st.
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await _harness.AddImageAsync(Callers.Alice, "two-gb", size: 2_000_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero));
        var oneGb = await _harness.AddImageAsync(Callers.Alice, "one-gb", size: 1_000_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));
        await _harness.Service.DeleteAsync(Callers.Alice, oneGb.Id);
        await _harness.Service.DeletePermanentlyAsync(Callers.Alice, oneGb.Id);
        await _harness.AddImageAsync(Callers.Bob, "not-alices", size: 5_000_000_000);
        await _harness.AddImageAsync(Callers.Operator, "public-catalog", ImageVisibility.Public, size: 9_000_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));

        var usage = await Usage().GetAsync(Callers.Alice);

        // 2 GB × 25 days + 1 GB × 10 days, in hours (the test clock moved a minute after each addition).
        var expectedGbHours = 2m * 25 * 24 + 1m * 10 * 24;
        Assert.Equal(2_000_000_000, usage.CurrentBytes);
        Assert.InRange(usage.MonthGbHours, expectedGbHours - 0.1m, expectedGbHours + 0.1m);
        Assert.Equal(usage.MonthGbHours * 0.5m, usage.MonthCostSoFar);
        Assert.Equal((usage.MonthGbHours + 2m * 5 * 24) * 0.5m, usage.EstimatedMonthCost);
        Assert.Equal("EUR", usage.Currency);
        Assert.Equal(50_000_000_000, usage.QuotaBytes);
        Assert.Equal(48_000_000_000, usage.RemainingBytes);
    }

    [Fact]
    public async Task ImageStoredLastMonthCountsFromTheFirstOfThisMonth()
    {
        _harness.Clock.Set(new DateTimeOffset(2026, 10, 15, 0, 0, 0, TimeSpan.Zero));
        await _harness.AddImageAsync(Callers.Alice, "old", size: 1_000_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

        var usage = await Usage().GetAsync(Callers.Alice);

        Assert.Equal(24m, usage.MonthGbHours);
        Assert.Equal(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), usage.MonthStart);
    }

    [Fact]
    public async Task ChartHasThirtyDaysEndingToday()
    {
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        await _harness.AddImageAsync(Callers.Alice, "recent", size: 3_000_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

        var usage = await Usage().GetAsync(Callers.Alice);

        Assert.Equal(UsageService.ChartDays, usage.Daily.Count);
        Assert.Equal(new DateOnly(2026, 11, 22), usage.Daily[^1].Day);
        Assert.Equal(0m, usage.Daily[^4].AverageGb);
        Assert.Equal(3m, usage.Daily[^2].AverageGb);
    }

    [Fact]
    public async Task AccountWithoutImagesHasNothingToPay()
    {
        var usage = await Usage().GetAsync(Callers.Bob);

        Assert.Equal((0L, 0m, 0m), (usage.CurrentBytes, usage.MonthCostSoFar, usage.EstimatedMonthCost));
    }

    [Fact]
    public async Task ZeroDefaultQuotaMeansNoQuota()
    {
        using var harness = new ImageServiceHarness(options =>
        {
            Priced(options);
            options.Storage.DefaultQuotaGb = 0;
        });

        var usage = await harness.Usage.GetAsync(Callers.Bob);

        Assert.Null(usage.QuotaBytes);
        Assert.Null(usage.RemainingBytes);
    }

    [Fact]
    public async Task ImagesStoredSinceBeforeTheWindowCountAsTheyDidOneByOne()
    {
        // Two images long before the chart's window (one deleted inside it), one inside the window, one deleted before it.
        _harness.Clock.Set(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
        await _harness.AddImageAsync(Callers.Alice, "old-a", size: 3_000_000_000);
        var oldDeletedLater = await _harness.AddImageAsync(Callers.Alice, "old-b", size: 700_000_000);
        var goneBefore = await _harness.AddImageAsync(Callers.Alice, "gone", size: 400_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        await _harness.Service.DeleteAsync(Callers.Alice, goneBefore.Id);
        await _harness.Service.DeletePermanentlyAsync(Callers.Alice, goneBefore.Id);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 14, 17, 0, 0, TimeSpan.Zero));
        await _harness.AddImageAsync(Callers.Alice, "new", size: 1_500_000_000);
        _harness.Clock.Set(new DateTimeOffset(2026, 11, 20, 6, 0, 0, TimeSpan.Zero));
        await _harness.Service.DeleteAsync(Callers.Alice, oldDeletedLater.Id);
        await _harness.Service.DeletePermanentlyAsync(Callers.Alice, oldDeletedLater.Id);
        var now = new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);
        _harness.Clock.Set(now);

        var usage = await Usage().GetAsync(Callers.Alice);

        // The same figures from every image's own span, as StorageAccrual defines them.
        await using var db = _harness.Database.CreateDbContext();
        var spans = db.Images.Where(i => i.Owner == Callers.AliceAccount).AsEnumerable()
            .Select(i => new StoredSpan(i.Size!.Value, i.ActivatedAt!.Value, i.DeletedAt)).ToList();
        Assert.Equal(4_500_000_000, usage.CurrentBytes);
        Assert.Equal(StorageAccrual.BytesAt(spans, now), usage.CurrentBytes);
        Assert.Equal(decimal.Round(StorageAccrual.GbHours(spans, StorageAccrual.MonthStart(now), now), 9), decimal.Round(usage.MonthGbHours, 9));
        Assert.Equal(
            StorageAccrual.Daily(spans, now, UsageService.ChartDays).Select(d => (d.Day, decimal.Round(d.AverageGb, 9))),
            usage.Daily.Select(d => (d.Day, decimal.Round(d.AverageGb, 9))));
    }
}
