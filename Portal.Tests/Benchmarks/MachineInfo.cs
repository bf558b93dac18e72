using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Portal.Tests.Benchmarks;

/// <summary>The machine a benchmark ran on, in one line for the README.</summary>
public static class MachineInfo
{
    public static string Describe(string dataFolder)
    {
        var cpu = FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = FirstValue("/proc/meminfo", "MemTotal") is { } total
            ? $"{long.Parse(total.Split(' ')[0], CultureInfo.InvariantCulture) / 1048576.0:0.0} GiB RAM"
            : "RAM unknown";
        var gc = $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : ", concurrent")}";
        return $"{Environment.ProcessorCount} × {cpu}, {memory}, data folder on {FileSystemOf(dataFolder)}; "
            + $"{RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}, {gc}";
    }

    /// <summary>The 1-minute load average: another busy process on the machine shows here.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static string FileSystemOf(string path)
    {
        if (!File.Exists("/proc/mounts"))
        {
            return "unknown file system";
        }

        var full = Path.GetFullPath(path);
        var mount = File.ReadAllLines("/proc/mounts")
            .Select(line => line.Split(' '))
            .Where(f => f.Length >= 3 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
            .MaxBy(f => f[1].Length);
        return mount is null ? "unknown file system" : $"{mount[2]} ({mount[0]} on {mount[1]})";
    }

    private static string? FirstValue(string file, string key) =>
        File.Exists(file)
            ? File.ReadLines(file)
                .Select(line => line.Split(':', 2))
                .Where(f => f.Length == 2 && f[0].Trim() == key)
                .Select(f => f[1].Trim())
                .FirstOrDefault()
            : null;
}
