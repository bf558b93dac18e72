using System.Diagnostics;
using System.Globalization;
using Portal.Images;
using Portal.Images.Transfer;

namespace Portal.Tests.Benchmarks;

public sealed record UploadBenchmarkOptions(double SizeGib, int Rounds, string? Only = null, bool SizeGiven = false)
{
    /// <summary>The legs <c>--only</c> accepts: each runs alone, with its own sizes unless <c>--size-gib</c> is given.</summary>
    public static readonly IReadOnlyList<string> Legs = ["decompress", "parallel", "import", "objectstore", "glance", "circuits"];

    public long Bytes => (long)(SizeGib * (1L << 30));

    public bool DecompressOnly => Only == "decompress";

    /// <summary>The size a leg uses: its own (<paramref name="legDefault"/>) unless <c>--size-gib</c> was given.</summary>
    public long BytesOr(long legDefault) => SizeGiven ? Bytes : legDefault;

    public static bool TryParse(IReadOnlyList<string> args, out UploadBenchmarkOptions options, out string error)
    {
        options = new UploadBenchmarkOptions(2, 3);
        error = string.Empty;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--size-gib" when double.TryParse(value, CultureInfo.InvariantCulture, out var gib) && gib is >= 0.01 and <= 32:
                    options = options with { SizeGib = gib, SizeGiven = true };
                    break;
                case "--only" when value is not null && Legs.Contains(value):
                    options = options with { Only = value };
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds is >= 1 and <= 20:
                    options = options with { Rounds = rounds };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}".TrimEnd();
                    return false;
            }
        }

        return true;
    }
}

/// <summary>The benchmark's file: random (incompressible, never all-zero) data and its digests as md5sum and sha512sum print them.</summary>
public sealed record SourceFile(string Path, long Length, string Md5, string Sha512);

/// <summary>
/// How fast an image upload stores and hashes its bytes compared with what this machine can do at best:
/// <c>cp</c>, <c>md5sum</c> and <c>sha512sum</c> of the same file running concurrently. Each round measures
/// both, one right after the other, so that both see the same background load; the ratio is the median of
/// the rounds' ratios. Speeds are in MB/s (10^6 bytes per second), as sizes are everywhere in the portal.
/// </summary>
public static class UploadBenchmark
{
    public const double CurlTargetRatio = 0.8;
    public const long MemoryGrowthLimit = 64L << 20;

    private const long WarmUpBytes = 64L << 20;

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(30);

    public static async Task<int> RunAsync(UploadBenchmarkOptions options)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var started = Stopwatch.StartNew();
        var exitCode = 0;
        if (options.Only is null || options.DecompressOnly)
        {
            exitCode = await RunUploadLegsAsync(options, cancel.Token);
        }

        if (options.Only is null || PeerAndLoadLegs.Names.Contains(options.Only))
        {
            try
            {
                if (options.Only is not null)
                {
                    Console.WriteLine($"machine: {MachineInfo.Describe(Path.GetTempPath())}");
                }

                exitCode = await PeerAndLoadLegs.RunAsync(options, options.Only, cancel.Token) && exitCode == 0 ? 0 : 1;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException or OperationCanceledException
                or Microsoft.Playwright.PlaywrightException)
            {
                await Console.Error.WriteLineAsync($"upload-benchmark failed: {e.Message}");
                exitCode = 1;
            }

            Console.WriteLine($"(finished in {started.Elapsed.TotalSeconds:0} s; temporary files removed)");
        }

        return exitCode;
    }

    private static async Task<int> RunUploadLegsAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        await using var portal = new BenchmarkPortal();
        await portal.InitializeAsync();
        var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "benchmark")).FullName;
        try
        {
            return await RunAsync(options, portal, work, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"upload-benchmark failed: {e.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            Console.WriteLine($"(finished in {started.Elapsed.TotalSeconds:0} s; temporary files removed)");
        }
    }

    private static async Task<int> RunAsync(UploadBenchmarkOptions options, BenchmarkPortal portal, string work, CancellationToken cancellationToken)
    {
        Console.WriteLine($"Upload benchmark: {Format(options.Bytes)} of random data, {options.Rounds} round(s)");
        Console.WriteLine($"machine: {MachineInfo.Describe(portal.DataFolder)}");
        Console.WriteLine($"load average (1 min) at start: {MachineInfo.LoadAverage()}");
        Console.WriteLine("page cache: before every leg the file system is synced and the source file read once, so every leg");
        Console.WriteLine("  reads it from memory and none pays for an earlier leg's write-back.");
        Console.WriteLine("memory: resident set (VmRSS, and the kernel's peak VmHWM) of this process, which hosts the portal,");
        Console.WriteLine("  over its idle value before the first upload; curl is a separate process, the driver holds no data.");
        Console.WriteLine();

        if (options.DecompressOnly)
        {
            var jar = await portal.SignInCookieJarAsync(work);
            var only = await DecompressLeg.RunAsync(portal, work, options.Bytes, options.Rounds, jar, cancellationToken);
            Console.WriteLine();
            return PrintDecompressSummary(only) ? 0 : 1;
        }

        var source = Path.Combine(work, "source.bin");
        var warmUpSource = Path.Combine(work, "warm-up.bin");
        await WriteRandomFileAsync(source, options.Bytes, cancellationToken);
        await WriteRandomFileAsync(warmUpSource, Math.Min(WarmUpBytes, options.Bytes), cancellationToken);
        var cookieJar = await portal.SignInCookieJarAsync(work);
        var idle = await MemorySampler.IdleAsync();

        // The first gigabytes written after the file was made cost several times more (the kernel finds memory for the
        // page cache) than later ones; an untimed copy takes that cost, so that it lands on neither leg of round 1.
        var firstCopy = Path.Combine(work, "first-copy.bin");
        await ExternalCommand.CheckedAsync("cp", [source, firstCopy], ToolTimeout, cancellationToken);
        File.Delete(firstCopy);

        // A portal that has been up a while has compiled its upload path: the first measured round must not pay for the JIT.
        var (_, warmUpFile) = await RunReferenceAsync(warmUpSource, new FileInfo(warmUpSource).Length, work, cancellationToken);
        var warmUp = await RunCurlUploadAsync(portal, warmUpFile, cookieJar, "benchmark-warm-up", cancellationToken);
        Console.WriteLine($"warm-up    curl upload of {Format(warmUpFile.Length)}: {warmUp.Speed.MegabytesPerSecond:0.0} MB/s (not counted), "
            + $"memory +{Mib(warmUp.Memory.ResidentBytes - idle.Resident)} RSS");

        SourceFile? file = null;
        var rounds = new List<Round>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Alternating the order cancels a load that grows or fades during the run.
            ReferenceResult reference;
            SourceFile digests;
            (Speed Speed, MemoryPeak Memory) upload;
            if (round % 2 == 1)
            {
                (reference, digests) = await RunReferenceAsync(source, options.Bytes, work, cancellationToken);
                upload = await RunCurlUploadAsync(portal, file ?? digests, cookieJar, $"benchmark-{round}", cancellationToken);
            }
            else
            {
                upload = await RunCurlUploadAsync(portal, file!, cookieJar, $"benchmark-{round}", cancellationToken);
                (reference, digests) = await RunReferenceAsync(source, options.Bytes, work, cancellationToken);
            }

            file ??= digests;
            if (digests != file)
            {
                throw new InvalidOperationException("md5sum/sha512sum disagree between rounds: the source file changed.");
            }

            rounds.Add(new Round(reference, upload.Speed, upload.Memory));
            var memory = upload.Memory;
            Console.WriteLine($"round {round}/{options.Rounds}  reference {reference.Speed,7:0.0} MB/s  {reference.Detail}");
            Console.WriteLine($"             curl      {upload.Speed.MegabytesPerSecond,7:0.0} MB/s  {upload.Speed.Seconds:0.00} s; server {upload.Speed.Cpu.Self.TotalSeconds:0.0} CPU-s, "
                + $"curl {upload.Speed.Cpu.Children.TotalSeconds:0.0} CPU-s; ratio {upload.Speed.MegabytesPerSecond / reference.Speed:0.00}");
            Console.WriteLine($"             memory    +{Mib(memory.ResidentBytes - idle.Resident)} RSS, +{Mib(memory.ManagedBytes - idle.Managed)} managed heap; "
                + $"{Mib(memory.AllocatedBytes)} allocated, GCs (gen 0/1/2) {memory.Gen0}/{memory.Gen1}/{memory.Gen2}");
        }

        var browser = await RunBrowserLegAsync(portal, file!, cancellationToken);
        var download = await DownloadLeg.RunAsync(portal, file!, options.Rounds, cancellationToken);
        File.Delete(source);
        var decompress = await DecompressLeg.RunAsync(portal, work, options.Bytes, options.Rounds, cookieJar, cancellationToken);
        Console.WriteLine($"load average (1 min) at end: {MachineInfo.LoadAverage()}");
        Console.WriteLine();
        var met = PrintSummary(rounds, warmUp.Memory, browser, download, idle.Resident);
        return PrintDecompressSummary(decompress) && met ? 0 : 1;
    }

    private sealed record Speed(double MegabytesPerSecond, double Seconds, CpuTime Cpu);

    private sealed record ReferenceResult(double Speed, string Detail);

    private sealed record Round(ReferenceResult Reference, Speed Upload, MemoryPeak Memory);

    internal static async Task WriteRandomFileAsync(string path, long length, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        var random = Random.Shared;
        await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (long written = 0; written < length; written += buffer.Length)
            {
                random.NextBytes(buffer);
                await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - written)), cancellationToken);
            }

            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>The same starting state for every leg: nothing dirty waiting for write-back, the source file in the page cache.</summary>
    private static async Task SettleAsync(string source, CancellationToken cancellationToken)
    {
        await ExternalCommand.CheckedAsync("sync", ["-f", source], ToolTimeout, cancellationToken);
        await ExternalCommand.CheckedAsync("dd", [$"if={source}", "of=/dev/null", "bs=4M", "status=none"], ToolTimeout, cancellationToken);
    }

    private static async Task<(ReferenceResult Result, SourceFile Digests)> RunReferenceAsync(
        string source, long length, string work, CancellationToken cancellationToken)
    {
        var copy = Path.Combine(work, "reference-copy.bin");
        await SettleAsync(source, cancellationToken);
        var cpu = CpuTime.Now();
        var clock = Stopwatch.StartNew();
        var cp = ExternalCommand.RunAsync("cp", [source, copy], ToolTimeout, cancellationToken);
        var md5 = ExternalCommand.RunAsync("md5sum", [source], ToolTimeout, cancellationToken);
        var sha512 = ExternalCommand.RunAsync("sha512sum", [source], ToolTimeout, cancellationToken);
        var results = await Task.WhenAll(cp, md5, sha512);
        clock.Stop();
        var used = CpuTime.Now() - cpu;
        File.Delete(copy);
        if (results.FirstOrDefault(r => r.ExitCode != 0) is { } failed)
        {
            throw new InvalidOperationException($"The reference failed: {failed.Error.Trim()}");
        }

        var detail = $"{clock.Elapsed.TotalSeconds:0.00} s: cp {cp.Result.Elapsed.TotalSeconds:0.0} s, md5sum {md5.Result.Elapsed.TotalSeconds:0.0} s, "
            + $"sha512sum {sha512.Result.Elapsed.TotalSeconds:0.0} s; {used.Children.TotalSeconds:0.0} CPU-s";
        return (new ReferenceResult(MegabytesPerSecond(length, clock.Elapsed), detail),
            new SourceFile(source, length, md5.Result.Output.Split(' ')[0], sha512.Result.Output.Split(' ')[0]));
    }

    private static async Task<(Speed Speed, MemoryPeak Memory)> RunCurlUploadAsync(
        BenchmarkPortal portal, SourceFile file, string cookieJar, string name, CancellationToken cancellationToken)
    {
        var (image, token) = await portal.NewQueuedImageAsync(name);
        var url = new Uri(portal.BaseAddress, ImageUploadEndpoints.UploadPath(image.Id));
        await SettleAsync(file.Path, cancellationToken);

        // -T streams the file with a Content-Length, as a browser's XMLHttpRequest sends a File.
        var sampler = MemorySampler.Start();
        var cpu = CpuTime.Now();
        var result = await ExternalCommand.RunAsync("curl", [
            "-sS", "-T", file.Path, "-b", cookieJar,
            "-H", "Content-Type: application/octet-stream",
            "-H", $"{ImageUploadEndpoints.UploadTokenHeader}: {token}",
            "-w", "\n%{http_code}", "--max-time", ((int)ToolTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            url.ToString(),
        ], ToolTimeout, cancellationToken);
        var used = CpuTime.Now() - cpu;
        var memory = await sampler.StopAsync();

        var status = result.Output.Split('\n')[^1];
        if (result.ExitCode != 0 || status != "204")
        {
            throw new InvalidOperationException($"curl upload failed (exit {result.ExitCode}, HTTP {status}): {result.Output.Trim()} {result.Error.Trim()}");
        }

        await VerifyStoredAsync(portal, image.Id, file, cancellationToken);
        return (new Speed(MegabytesPerSecond(file.Length, result.Elapsed), result.Elapsed.TotalSeconds, used), memory);
    }

    /// <summary>The image is active with the size and digests md5sum and sha512sum printed, and its file holds the same bytes.</summary>
    private static async Task VerifyStoredAsync(BenchmarkPortal portal, Guid id, SourceFile file, CancellationToken cancellationToken)
    {
        var image = await portal.ImageAsync(id);
        var stored = portal.StoredPath(id);
        if (image.Status != ImageStatus.Active || image.Size != file.Length || image.Checksum != file.Md5 || image.OsHashValue != file.Sha512)
        {
            throw new InvalidOperationException(
                $"The stored image does not match the file: {image.Status}, {image.Size} bytes, md5 {image.Checksum}, sha512 {image.OsHashValue}.");
        }

        var compare = await ExternalCommand.RunAsync("cmp", ["-s", file.Path, stored], ToolTimeout, cancellationToken);
        if (compare.ExitCode != 0)
        {
            throw new InvalidOperationException($"The stored file {stored} differs from the uploaded file.");
        }

        await portal.DeleteImageAsync(id);
    }

    private static async Task<(BrowserLegResult Result, MemoryPeak Memory)?> RunBrowserLegAsync(
        BenchmarkPortal portal, SourceFile file, CancellationToken cancellationToken)
    {
        var context = new BrowserLegContext(
            portal.BaseAddress, BenchmarkPortal.Email, Support.PortalAppFactory.DemoPassword,
            portal.NewQueuedImageAsync, id => VerifyStoredAsync(portal, id, file, cancellationToken),
            file, portal, cancellationToken);
        await SettleAsync(file.Path, cancellationToken);
        var result = await BrowserUploadLeg.RunAsync(context);
        if (result is null)
        {
            return null;
        }

        Console.WriteLine($"browser    page upload {result.MegabytesPerSecond:0.0} MB/s; InputFile {result.InputFileMegabytesPerSecond:0.0} MB/s; "
            + $"memory +{Mib(result.Memory.ResidentBytes - result.IdleResidentBytes)} RSS over the open page");
        return (result, result.Memory);
    }

    private static bool PrintSummary(
        List<Round> rounds, MemoryPeak warmUp, (BrowserLegResult Result, MemoryPeak Memory)? browser,
        (IReadOnlyList<DownloadRound> Rounds, long IdleResident)? download, long idleResident)
    {
        var reference = Median(rounds.Select(r => r.Reference.Speed));
        var upload = Median(rounds.Select(r => r.Upload.MegabytesPerSecond));
        var ratio = Median(rounds.Select(r => r.Upload.MegabytesPerSecond / r.Reference.Speed));
        var peaks = rounds.Select(r => r.Memory.ResidentBytes).Append(warmUp.ResidentBytes);
        var growth = Math.Max(peaks.Max() - idleResident,
            browser is { Result: var b } ? b.Memory.ResidentBytes - b.IdleResidentBytes : 0);

        var rows = new List<string[]>
        {
            new[] { "leg", "measured", "compared with", "ratio", "target", "result" },
            new[] { "reference: cp ‖ md5sum ‖ sha512sum", $"{reference:0.0} MB/s", "", "", "", "" },
            new[] { "upload: curl -T → PUT /image/v2/images/{id}/file", $"{upload:0.0} MB/s", $"reference {reference:0.0}", $"{ratio:0.00}", $"≥ {CurlTargetRatio:0.0#}", Verdict(ratio >= CurlTargetRatio) },
        };
        rows.Add(browser is { Result: var r }
            ? ["upload: headless Chromium, page script", $"{r.MegabytesPerSecond:0.0} MB/s", $"InputFile {r.InputFileMegabytesPerSecond:0.0}",
                $"{r.MegabytesPerSecond / r.InputFileMegabytesPerSecond:0.0}", $"≥ {BrowserUploadLeg.TargetRatio:0}",
                Verdict(r.MegabytesPerSecond >= BrowserUploadLeg.TargetRatio * r.InputFileMegabytesPerSecond)]
            : ["upload: headless Chromium, page script", "", "InputFile", "", $"≥ {BrowserUploadLeg.TargetRatio:0}", "not measured (BrowserUploadLeg)"]);
        rows.Add(["server memory growth during upload", Mib(growth), "idle server", "", $"< {Mib(MemoryGrowthLimit)}", Verdict(growth < MemoryGrowthLimit)]);
        var downloadMet = true;
        if (download is { Rounds: var d, IdleResident: var downloadIdle })
        {
            var socat = Median(d.Select(x => x.Reference));
            var curl = Median(d.Select(x => x.Download));
            var downloadRatio = Median(d.Select(x => x.Download / x.Reference));
            var downloadGrowth = d.Max(x => x.Memory.ResidentBytes) - downloadIdle;
            rows.Add(["reference: socat file → loopback → socat", $"{socat:0.0} MB/s", "", "", "", ""]);
            rows.Add(["download: curl GET /image/v2/images/{id}/file", $"{curl:0.0} MB/s", $"socat {socat:0.0}", $"{downloadRatio:0.00}",
                $"≥ {DownloadLeg.TargetRatio:0.0#}", Verdict(downloadRatio >= DownloadLeg.TargetRatio)]);
            rows.Add(["server memory growth during download", Mib(downloadGrowth), "idle server", "", $"< {Mib(MemoryGrowthLimit)}",
                Verdict(downloadGrowth < MemoryGrowthLimit)]);
            downloadMet = downloadRatio >= DownloadLeg.TargetRatio && downloadGrowth < MemoryGrowthLimit;
        }
        else
        {
            rows.Add(["download: curl GET /image/v2/images/{id}/file", "", "socat", "", $"≥ {DownloadLeg.TargetRatio:0.0#}", "not measured (needs socat)"]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c is 1 or 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }

        Console.WriteLine($"(MB/s: median of {rounds.Count} round(s); ratio: median of the rounds' own ratios; memory: the highest of all uploads, warm-up included)");
        var browserMet = browser is not { Result: var m } || m.MegabytesPerSecond >= BrowserUploadLeg.TargetRatio * m.InputFileMegabytesPerSecond;
        return ratio >= CurlTargetRatio && growth < MemoryGrowthLimit && browserMet && downloadMet;
    }

    private static bool PrintDecompressSummary((IReadOnlyList<DecompressRound> Rounds, long IdleResident, double CompressionRatio) leg)
    {
        var plain = Median(leg.Rounds.Select(r => r.Plain));
        var zstd = Median(leg.Rounds.Select(r => r.Decompressing));
        var ratio = Median(leg.Rounds.Select(r => r.Decompressing / r.Plain));
        var growth = leg.Rounds.Max(r => r.Memory.ResidentBytes) - leg.IdleResident;
        Console.WriteLine($"plain upload of the disk (curl -T, stored as sent)          {plain,7:0.0} MB/s");
        Console.WriteLine($"zstd -3 file ({leg.CompressionRatio:0.00} : 1), X-Portal-Decompress: true  {zstd,7:0.0} MB/s of disk bytes; "
            + $"ratio {ratio:0.00} (target ≥ {DecompressLeg.TargetRatio:0.0}) {Verdict(ratio >= DecompressLeg.TargetRatio)}");
        Console.WriteLine($"server memory growth during the decompressing upload        {Mib(growth)} (target < {Mib(MemoryGrowthLimit)}) {Verdict(growth < MemoryGrowthLimit)}");
        return ratio >= DecompressLeg.TargetRatio && growth < MemoryGrowthLimit;
    }

    private static string Verdict(bool met) => met ? "PASS" : "MISS";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double MegabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / 1e6;

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";

    private static string Format(long bytes) => $"{bytes / (double)(1L << 30):0.##} GiB ({bytes:N0} bytes)";
}
