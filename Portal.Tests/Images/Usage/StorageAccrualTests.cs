using Portal.Images.Usage;

namespace Portal.Tests.Images.Usage;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class StorageAccrualTests
{
    private const long TenGb = 10_000_000_000;
    private static readonly DateTime November = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime December = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ImageStoredAllMonthCountsEveryHour()
    {
        var spans = new[] { new StoredSpan(TenGb, November.AddMonths(-2), null) };

        Assert.Equal(10m * 720, StorageAccrual.GbHours(spans, November, December));
    }

    [Fact]
    public void ImageThatExistedForHalfTheMonthCountsHalf()
    {
        var spans = new[] { new StoredSpan(TenGb, November.AddDays(15), null) };

        Assert.Equal(10m * 360, StorageAccrual.GbHours(spans, November, December));
    }

    [Fact]
    public void DeletedImageCountsOnlyUntilItsDeletion()
    {
        var spans = new[] { new StoredSpan(TenGb, November.AddMonths(-1), November.AddDays(3).AddHours(6)) };

        Assert.Equal(10m * 78, StorageAccrual.GbHours(spans, November, December));
    }

    [Fact]
    public void ImageDeletedBeforeTheMonthCountsNothingAndOneCreatedAfterNow()
    {
        var spans = new[]
        {
            new StoredSpan(TenGb, November.AddMonths(-2), November.AddDays(-1)),
            new StoredSpan(TenGb, December.AddDays(1), null),
        };

        Assert.Equal(0m, StorageAccrual.GbHours(spans, November, December));
    }

    [Fact]
    public void AccrualSoFarStopsAtNow()
    {
        var now = November.AddDays(10).AddHours(12);
        var spans = new[] { new StoredSpan(2_000_000_000, November.AddDays(10), null) };

        Assert.Equal(2m * 12, StorageAccrual.GbHours(spans, November, now));
    }

    [Fact]
    public void GbMeansTenToTheNinthBytes()
    {
        var spans = new[] { new StoredSpan(1_073_741_824, November, null) };

        Assert.Equal(1.073741824m, StorageAccrual.GbHours(spans, November, November.AddHours(1)));
    }

    [Fact]
    public void BytesAtAMomentSumsWhatExistedThen()
    {
        var spans = new[]
        {
            new StoredSpan(100, November, null),
            new StoredSpan(20, November.AddDays(1), November.AddDays(2)),
            new StoredSpan(3, November.AddDays(5), null),
        };

        Assert.Equal(120, StorageAccrual.BytesAt(spans, November.AddDays(1).AddHours(1)));
        Assert.Equal(100, StorageAccrual.BytesAt(spans, November.AddDays(2)));
        Assert.Equal(103, StorageAccrual.BytesAt(spans, November.AddDays(6)));
    }

    [Fact]
    public void DailyAveragesFollowTheImagesLifetimes()
    {
        var now = November.AddDays(9).AddHours(12);
        var spans = new[]
        {
            new StoredSpan(TenGb, November.AddDays(5).AddHours(12), November.AddDays(7)),
        };

        var daily = StorageAccrual.Daily(spans, now, 10);

        Assert.Equal(10, daily.Count);
        Assert.Equal(DateOnly.FromDateTime(November), daily[0].Day);
        Assert.Equal(DateOnly.FromDateTime(now), daily[^1].Day);
        Assert.Equal(0m, daily[4].AverageGb);
        Assert.Equal(5m, daily[5].AverageGb);
        Assert.Equal(10m, daily[6].AverageGb);
        Assert.Equal(0m, daily[7].AverageGb);
    }

    [Fact]
    public void TodaysAverageCoversOnlyTheHoursSoFar()
    {
        var now = November.AddDays(3).AddHours(6);
        var spans = new[] { new StoredSpan(TenGb, November.AddDays(3).AddHours(3), null) };

        var today = StorageAccrual.Daily(spans, now, 1).Single();

        Assert.Equal(5m, today.AverageGb);
    }

    [Fact]
    public void MonthStartIsTheFirstOfTheCalendarMonthInUtc()
    {
        Assert.Equal(November, StorageAccrual.MonthStart(new DateTime(2026, 11, 30, 23, 59, 59, DateTimeKind.Utc)));
    }
}
