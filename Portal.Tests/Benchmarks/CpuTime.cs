using System.Globalization;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// CPU time used so far by this process (the portal) and by its finished child processes (cp, md5sum, curl …):
/// the work a leg did, which a busy machine stretches in wall time but hardly changes.
/// </summary>
public readonly record struct CpuTime(TimeSpan Self, TimeSpan Children)
{
    public static CpuTime Now()
    {
        var self = Environment.CpuUsage.TotalTime;
        try
        {
            // Fields 16 and 17 of /proc/self/stat (after the command name): cutime and cstime of waited-for children, in 1/100 s.
            var fields = File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return new CpuTime(self, TimeSpan.FromSeconds(ticks / 100.0));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return new CpuTime(self, TimeSpan.Zero);
        }
    }

    public static CpuTime operator -(CpuTime end, CpuTime start) => new(end.Self - start.Self, end.Children - start.Children);
}
