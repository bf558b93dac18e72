using System.Globalization;

namespace Portal.Formatting;

/// <summary>How numbers and times read in the portal. Sizes use decimal units: 1 GB = 10^9 bytes, as on the invoice.</summary>
public static class Format
{
    private static readonly string[] Units = ["bytes", "kB", "MB", "GB", "TB", "PB"];

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } value)
        {
            return "—";
        }

        if (value < 1000)
        {
            return value == 1 ? "1 byte" : $"{value} bytes";
        }

        var size = (double)value;
        var unit = 0;
        while (size >= 1000 && unit < Units.Length - 1)
        {
            size /= 1000;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{size:0.#} {Units[unit]}");
    }

    public static string ExactBytes(long? bytes) =>
        bytes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:N0} bytes") : "—";

    public static string Timestamp(DateTime? utc) =>
        utc is { } value ? value.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>The exact time, to the second, for a tooltip beside a relative time.</summary>
    public static string ExactTimestamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How long ago <paramref name="utc"/> was ("just now", "5 minutes ago", "yesterday"); the date after a week.</summary>
    public static string Ago(DateTime utc, DateTime now)
    {
        var elapsed = now - utc;
        return elapsed switch
        {
            { TotalMinutes: < 1 } => "just now",
            { TotalHours: < 1 } => Count((int)elapsed.TotalMinutes, "minute") + " ago",
            { TotalDays: < 1 } => Count((int)elapsed.TotalHours, "hour") + " ago",
            { TotalDays: < 2 } => "yesterday",
            { TotalDays: < 7 } => Count((int)elapsed.TotalDays, "day") + " ago",
            _ => Date(utc),
        };

        static string Count(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
    }

    public static string Date(DateTime utc) => utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A time left, to the minute: "23 h 12 min", "12 min", "3 d 4 h"; "less than a minute" near the end.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1))
        {
            return "less than a minute";
        }

        var minutes = (long)span.TotalMinutes;
        var (days, hours, rest) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        return minutes switch
        {
            < 60 => $"{minutes} min",
            < 48 * 60 => rest == 0 ? $"{minutes / 60} h" : $"{minutes / 60} h {rest} min",
            _ => hours == 0 ? $"{days} d" : $"{days} d {hours} h",
        };
    }

    /// <summary>A configured period in hours: "24 hours", "1 hour", "1.5 hours".</summary>
    public static string Hours(TimeSpan span) =>
        span.TotalHours == 1 ? "1 hour" : string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.##} hours");
}
