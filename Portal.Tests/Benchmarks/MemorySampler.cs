namespace Portal.Tests.Benchmarks;

/// <summary>What the server process held at its highest while a sampler ran, and what the GC did meanwhile.</summary>
public sealed record MemoryPeak(long ResidentBytes, long ManagedBytes, long AllocatedBytes, int Gen0, int Gen1, int Gen2);

/// <summary>
/// Samples this process's resident set (VmRSS) and managed heap every 100 ms, and reads the kernel's own peak
/// (VmHWM, reset at start) at the end, so that a spike between two samples is not missed.
/// </summary>
public sealed class MemorySampler
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly long _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
    private readonly int[] _collectionsAtStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly bool _kernelPeakReset;
    private long _peakResident;
    private long _peakManaged;

    private MemorySampler()
    {
        _kernelPeakReset = TryResetKernelPeak();
        Sample();
        _sampling = Task.Run(SampleAsync);
    }

    public static MemorySampler Start() => new();

    /// <summary>The idle value to compare with: after a full collection, so that garbage of earlier work does not count.</summary>
    public static async Task<(long Resident, long Managed)> IdleAsync()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        await Task.Delay(TimeSpan.FromSeconds(1));
        return (ProcStatusBytes("VmRSS") ?? Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false));
    }

    public async Task<MemoryPeak> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        Sample();
        var kernelPeak = _kernelPeakReset ? ProcStatusBytes("VmHWM") ?? 0 : 0;
        return new MemoryPeak(
            Math.Max(_peakResident, kernelPeak),
            _peakManaged,
            GC.GetTotalAllocatedBytes(precise: false) - _allocatedAtStart,
            GC.CollectionCount(0) - _collectionsAtStart[0],
            GC.CollectionCount(1) - _collectionsAtStart[1],
            GC.CollectionCount(2) - _collectionsAtStart[2]);
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        _peakResident = Math.Max(_peakResident, ProcStatusBytes("VmRSS") ?? Environment.WorkingSet);
        _peakManaged = Math.Max(_peakManaged, GC.GetTotalMemory(forceFullCollection: false));
    }

    // Writing 5 to clear_refs resets VmHWM to the current resident set (Linux ≥ 4.0); without it VmHWM is the all-time peak.
    private static bool TryResetKernelPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? ProcStatusBytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
