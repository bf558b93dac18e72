using System.Diagnostics;
using System.Globalization;
using static Portal.Tests.Benchmarks.LegSupport;

namespace Portal.Tests.Benchmarks;

/// <param name="Alone">One upload with nothing else running (MB/s).</param>
/// <param name="Aggregate">All bytes of the concurrent uploads over the time from the first start to the last end (MB/s).</param>
public sealed record ParallelRound(double Alone, double Aggregate, double Slowest, CpuTime AloneCpu, CpuTime ParallelCpu);

/// <summary>
/// Eight uploads of one account at once (its limit raised by <c>Portal:Images:MaxConcurrentUploadsPerAccount</c>), each
/// of a different random file, against one upload of the same size alone, in the same round (alternating which goes
/// first). Every image's MD5 and SHA-512 are read back through the API and compared with md5sum's and sha512sum's.
/// </summary>
public static class ParallelUploadLeg
{
    public const double TargetRatio = 0.8;
    public const int Uploads = 8;
    public const long DefaultBytes = 256L << 20;

    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var bytes = options.BytesOr(DefaultBytes);
        await using var portal = new BenchmarkPortal();
        portal.With("Portal:Images:MaxConcurrentUploadsPerAccount", Uploads.ToString(CultureInfo.InvariantCulture));
        await portal.InitializeAsync();
        var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "parallel")).FullName;
        Console.WriteLine($"parallel   {Uploads} concurrent uploads of {Size(bytes)} (one account, Portal:Images:MaxConcurrentUploadsPerAccount = {Uploads}) "
            + $"vs one upload of {Size(bytes)} alone; {options.Rounds} round(s), curl -T with X-Auth-Token");

        var files = new List<SourceFile>();
        for (var i = 0; i < Uploads; i++)
        {
            files.Add(await RandomFileAsync(Path.Combine(work, $"upload-{i}.bin"), bytes, cancellationToken));
        }

        var (_, token) = await portal.ApiTokenAsync(BenchmarkPortal.Email, "parallel-benchmark");
        using var api = portal.ApiClient(token);

        // Compiles the upload path (and the API's) before the first measured round.
        await UploadAsync(portal, api, token, [files[0]], cancellationToken);

        var rounds = new List<ParallelRound>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            (TimeSpan Wall, TimeSpan Slowest, CpuTime Cpu) alone;
            (TimeSpan Wall, TimeSpan Slowest, CpuTime Cpu) parallel;
            if (round % 2 == 1)
            {
                alone = await UploadAsync(portal, api, token, [files[0]], cancellationToken);
                parallel = await UploadAsync(portal, api, token, files, cancellationToken);
            }
            else
            {
                parallel = await UploadAsync(portal, api, token, files, cancellationToken);
                alone = await UploadAsync(portal, api, token, [files[0]], cancellationToken);
            }

            var result = new ParallelRound(
                MegabytesPerSecond(bytes, alone.Wall), MegabytesPerSecond(bytes * Uploads, parallel.Wall),
                MegabytesPerSecond(bytes, parallel.Slowest), alone.Cpu, parallel.Cpu);
            rounds.Add(result);
            Console.WriteLine($"parallel round {round}/{options.Rounds}  alone {result.Alone,7:0.0} MB/s ({alone.Wall.TotalSeconds:0.00} s, server {alone.Cpu.Self.TotalSeconds:0.0} CPU-s)  "
                + $"{Uploads} at once {result.Aggregate,7:0.0} MB/s in all ({parallel.Wall.TotalSeconds:0.00} s, server {parallel.Cpu.Self.TotalSeconds:0.0} CPU-s, "
                + $"slowest {result.Slowest:0.0} MB/s)  ratio {result.Aggregate / result.Alone:0.00}");
        }

        Directory.Delete(work, recursive: true);
        var alonemedian = Median(rounds.Select(r => r.Alone));
        var aggregate = Median(rounds.Select(r => r.Aggregate));
        var ratio = Median(rounds.Select(r => r.Aggregate / r.Alone));
        PrintTable([
            ["leg", "measured", "compared with", "ratio", "target", "result"],
            [$"one upload alone ({Size(bytes)})", $"{alonemedian:0.0} MB/s", "", "", "", ""],
            [$"{Uploads} concurrent uploads, aggregate", $"{aggregate:0.0} MB/s", $"alone {alonemedian:0.0}", $"{ratio:0.00}", $"≥ {TargetRatio:0.0#}", Verdict(ratio >= TargetRatio)],
            [$"checksums (SHA-512 and MD5 through the API)", $"{rounds.Count * (Uploads + 1)} right", "md5sum, sha512sum", "", "all right", "PASS"],
        ]);
        Console.WriteLine($"(median of {rounds.Count} round(s); ratio: median of the rounds' own ratios)");
        Console.WriteLine();
        return ratio >= TargetRatio;
    }

    /// <summary>Uploads the files at once (each to a new image), checks each through the API, deletes them.</summary>
    private static async Task<(TimeSpan Wall, TimeSpan Slowest, CpuTime Cpu)> UploadAsync(
        BenchmarkPortal portal, HttpClient api, string token, IReadOnlyList<SourceFile> files, CancellationToken cancellationToken)
    {
        var images = new List<Guid>();
        foreach (var file in files)
        {
            images.Add((await portal.NewQueuedImageAsync($"parallel-{Path.GetFileNameWithoutExtension(file.Path)}")).Image.Id);
        }

        await SettleAsync(files.Select(f => f.Path), cancellationToken);
        var cpu = CpuTime.Now();
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(files.Select((file, i) => CurlUploadAsync(portal.BaseAddress, images[i], token, file.Path, cancellationToken)));
        clock.Stop();
        var used = CpuTime.Now() - cpu;
        for (var i = 0; i < files.Count; i++)
        {
            await VerifyThroughApiAsync(api, images[i], files[i], cancellationToken);
            await portal.DeleteImageAsync(images[i]);
        }

        return (clock.Elapsed, results.Max(r => r.Elapsed), used);
    }
}
