namespace Portal.Images.Usage;

/// <summary>An image's bytes and the time it occupied storage: from when its data was stored until it was deleted.</summary>
public readonly record struct StoredSpan(long Bytes, DateTime From, DateTime? Until);

/// <summary>
/// The one place where storage turns into GB-hours. Billing follows each image's real lifetime, not a snapshot
/// of today's size: an image that existed for half of the month counts for half of it. 1 GB = 10^9 bytes.
/// </summary>
public static class StorageAccrual
{
    public const decimal BytesPerGb = 1_000_000_000m;

    /// <summary>GB-hours of all spans within [from, to).</summary>
    public static decimal GbHours(IEnumerable<StoredSpan> spans, DateTime from, DateTime to)
    {
        decimal total = 0;
        foreach (var span in spans)
        {
            var start = span.From > from ? span.From : from;
            var end = span.Until is { } until && until < to ? until : to;
            if (end > start)
            {
                total += span.Bytes / BytesPerGb * (decimal)(end - start).TotalHours;
            }
        }

        return total;
    }

    /// <summary>Bytes stored at one moment.</summary>
    public static long BytesAt(IEnumerable<StoredSpan> spans, DateTime moment) =>
        spans.Where(s => s.From <= moment && (s.Until is not { } until || until > moment)).Sum(s => s.Bytes);

    /// <summary>The first moment of the calendar month (UTC) that contains <paramref name="moment"/>.</summary>
    public static DateTime MonthStart(DateTime moment) => new(moment.Year, moment.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Average GB stored on each of the <paramref name="days"/> UTC days up to and including today (today counts up to now).</summary>
    public static IReadOnlyList<DailyStorage> Daily(IReadOnlyCollection<StoredSpan> spans, DateTime now, int days)
    {
        var today = now.Date;
        var result = new List<DailyStorage>(days);
        for (var day = today.AddDays(-(days - 1)); day <= today; day = day.AddDays(1))
        {
            var end = day == today ? now : day.AddDays(1);
            var hours = (decimal)(end - day).TotalHours;
            result.Add(new DailyStorage(DateOnly.FromDateTime(day), hours > 0 ? GbHours(spans, day, end) / hours : 0));
        }

        return result;
    }
}

public sealed record DailyStorage(DateOnly Day, decimal AverageGb);
