using System.Diagnostics;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// The legs of issue 14 that each start a portal of their own (their settings differ): parallel uploads, URL import,
/// the Swift-backed store against swift upload, Glance side by side, circuits under load. Each prints its figures, ratio, target and PASS/FAIL.
/// </summary>
public static class PeerAndLoadLegs
{
    public static readonly IReadOnlyList<string> Names = ["parallel", "import", "objectstore", "glance", "circuits"];

    /// <summary>Runs one leg (<paramref name="only"/>) or all of them; true when every target measured was met.</summary>
    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, string? only, CancellationToken cancellationToken)
    {
        var met = true;
        foreach (var name in Names.Where(n => only is null || n == only))
        {
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"load average (1 min) before the {name} leg: {MachineInfo.LoadAverage()}");
            met &= name switch
            {
                "parallel" => await ParallelUploadLeg.RunAsync(options, cancellationToken),
                "import" => await UrlImportLeg.RunAsync(options, cancellationToken),
                "objectstore" => await ObjectStoreLeg.RunAsync(options, cancellationToken),
                "glance" => await GlanceLeg.RunAsync(options, cancellationToken),
                "circuits" => await CircuitsLeg.RunAsync(options, cancellationToken),
                _ => throw new InvalidOperationException(name),
            };
            Console.WriteLine($"({name} leg: {clock.Elapsed.TotalSeconds:0} s; load average (1 min) after: {MachineInfo.LoadAverage()})");
            Console.WriteLine();
        }

        return met;
    }
}
