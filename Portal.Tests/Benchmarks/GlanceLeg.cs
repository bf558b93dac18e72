using System.Diagnostics;
using System.Globalization;
using static Portal.Tests.Benchmarks.LegSupport;

namespace Portal.Tests.Benchmarks;

/// <param name="Seconds">Wall time of the curl upload, to the server's response.</param>
/// <param name="ServerCpu">CPU time the server (glance-api with its worker, or the portal's process) spent meanwhile.</param>
public sealed record PeerUpload(double MegabytesPerSecond, double Seconds, TimeSpan ServerCpu);

public sealed record GlanceRound(PeerUpload Glance, PeerUpload Portal, TimeSpan ReferenceCpu, double ReferenceSeconds);

/// <summary>
/// The portal side by side with its peer, OpenStack Glance (Debian's <c>glance-api</c>, see <see cref="GlanceServer"/>):
/// the same random file uploaded with curl to both in each round (alternating which goes first): Glance's
/// <c>PUT /v2/images/{id}/file</c> and the portal's <c>PUT /image/v2/images/{id}/file</c>, both by the API, both checked
/// afterwards (status active, size, MD5, SHA-512). Also the CPU seconds per GiB of both servers, and of
/// <c>md5sum</c> ‖ <c>sha512sum</c> of the same file as the reference for the hashing both must do.
/// </summary>
public static class GlanceLeg
{
    public const double TargetRatio = 1.5;
    public const long DefaultBytes = 2L << 30;

    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        if (!await GlanceServer.EnsureInstalledAsync(cancellationToken))
        {
            Console.WriteLine($"glance     the portal's upload ≥ {TargetRatio:0.0} × Glance's: not measured (glance-api missing) FAIL");
            return false;
        }

        var bytes = options.BytesOr(DefaultBytes);
        await using var portal = new BenchmarkPortal();
        await portal.InitializeAsync();
        var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "glance-leg")).FullName;
        try
        {
            var version = (await ExternalCommand.RunAsync("dpkg-query", ["-W", "-f", "${Version}", "glance-api"], TimeSpan.FromSeconds(30), cancellationToken)).Output;
            Console.WriteLine($"glance     Debian's glance-api {version} (filesystem store, SQLite, no Keystone, 1 worker) vs the portal, "
                + $"curl uploads of {Size(bytes)}; {options.Rounds} round(s); both stores on the same disk");
            var file = await RandomFileAsync(Path.Combine(work, "source.bin"), bytes, cancellationToken);

            var started = Stopwatch.StartNew();
            await using var glance = await GlanceServer.StartAsync(Path.Combine(work, "glance"), cancellationToken);
            Console.WriteLine($"glance     glance-api answered on {glance.BaseAddress} after {started.Elapsed.TotalSeconds:0.0} s (db_sync included)");
            var (_, token) = await portal.ApiTokenAsync(BenchmarkPortal.Email, "glance-benchmark");
            using var api = portal.ApiClient(token);

            // Both servers take the whole file once before the first measured round (Glance's imports; the portal's JIT,
            // whose tiered compiler promotes the per-chunk code only after it has run a few hundred times — with a 64 MiB
            // warm-up it still compiled ~1 700 methods, about 1 CPU-second, during the first measured upload).
            await UploadToGlanceAsync(glance, file, cancellationToken);
            await UploadToPortalAsync(portal, api, token, file, cancellationToken);

            var rounds = new List<GlanceRound>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                PeerUpload glanceUpload;
                PeerUpload portalUpload;
                if (round % 2 == 1)
                {
                    glanceUpload = await UploadToGlanceAsync(glance, file, cancellationToken);
                    portalUpload = await UploadToPortalAsync(portal, api, token, file, cancellationToken);
                }
                else
                {
                    portalUpload = await UploadToPortalAsync(portal, api, token, file, cancellationToken);
                    glanceUpload = await UploadToGlanceAsync(glance, file, cancellationToken);
                }

                var (referenceCpu, referenceSeconds) = await ReferenceAsync(file, cancellationToken);
                rounds.Add(new GlanceRound(glanceUpload, portalUpload, referenceCpu, referenceSeconds));
                Console.WriteLine($"glance round {round}/{options.Rounds}  Glance {glanceUpload.MegabytesPerSecond,7:0.0} MB/s ({glanceUpload.Seconds:0.00} s, "
                    + $"{PerGib(glanceUpload.ServerCpu, bytes):0.00} CPU-s/GiB)  portal {portalUpload.MegabytesPerSecond,7:0.0} MB/s ({portalUpload.Seconds:0.00} s, "
                    + $"{PerGib(portalUpload.ServerCpu, bytes):0.00} CPU-s/GiB)  ratio {portalUpload.MegabytesPerSecond / glanceUpload.MegabytesPerSecond:0.00}; "
                    + $"md5sum ‖ sha512sum {PerGib(referenceCpu, bytes):0.00} CPU-s/GiB ({referenceSeconds:0.00} s)");
            }

            var glanceSpeed = Median(rounds.Select(r => r.Glance.MegabytesPerSecond));
            var portalSpeed = Median(rounds.Select(r => r.Portal.MegabytesPerSecond));
            var ratio = Median(rounds.Select(r => r.Portal.MegabytesPerSecond / r.Glance.MegabytesPerSecond));
            PrintTable([
                ["leg", "measured", "compared with", "ratio", "target", "result"],
                [$"Glance: curl -T → PUT /v2/images/{{id}}/file", $"{glanceSpeed:0.0} MB/s", "", "", "", ""],
                [$"portal: curl -T → PUT /image/v2/images/{{id}}/file", $"{portalSpeed:0.0} MB/s", $"Glance {glanceSpeed:0.0}", $"{ratio:0.00}", $"≥ {TargetRatio:0.0}", Verdict(ratio >= TargetRatio)],
                ["server CPU per GiB: glance-api (its worker included)", $"{Median(rounds.Select(r => PerGib(r.Glance.ServerCpu, bytes))):0.00} CPU-s", "", "", "", ""],
                ["server CPU per GiB: portal (its whole process)", $"{Median(rounds.Select(r => PerGib(r.Portal.ServerCpu, bytes))):0.00} CPU-s", "", "", "", ""],
                ["reference CPU per GiB: md5sum ‖ sha512sum", $"{Median(rounds.Select(r => PerGib(r.ReferenceCpu, bytes))):0.00} CPU-s", "", "", "", ""],
            ]);
            Console.WriteLine($"(median of {rounds.Count} round(s); ratio: median of the rounds' own ratios; MB = 10^6 bytes)");
            Console.WriteLine();
            return ratio >= TargetRatio;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static double PerGib(TimeSpan cpu, long bytes) => cpu.TotalSeconds / (bytes / (double)(1L << 30));

    private static async Task<PeerUpload> UploadToGlanceAsync(GlanceServer glance, SourceFile file, CancellationToken cancellationToken)
    {
        var id = await glance.CreateImageAsync($"benchmark-{Guid.NewGuid():N}", cancellationToken);
        await SettleAsync([file.Path], cancellationToken);
        var cpu = glance.CpuTime();
        var result = await ExternalCommand.RunAsync("curl", [
            "-sS", "-T", file.Path, "-H", "Content-Type: application/octet-stream",
            "-w", "\n%{http_code}", "--max-time", ((int)ToolTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            glance.FileUrl(id),
        ], ToolTimeout, cancellationToken);
        var used = glance.CpuTime() - cpu;
        var status = result.Output.Split('\n')[^1];
        if (result.ExitCode != 0 || status != "204")
        {
            throw new InvalidOperationException($"curl upload to Glance failed (exit {result.ExitCode}, HTTP {status}): {result.Output.Trim()} {result.Error.Trim()}");
        }

        await glance.VerifyAndDeleteAsync(id, file, cancellationToken);
        return new PeerUpload(MegabytesPerSecond(file.Length, result.Elapsed), result.Elapsed.TotalSeconds, used);
    }

    private static async Task<PeerUpload> UploadToPortalAsync(
        BenchmarkPortal portal, HttpClient api, string token, SourceFile file, CancellationToken cancellationToken)
    {
        var (image, _) = await portal.NewQueuedImageAsync($"glance-leg-{Guid.NewGuid():N}"[..24]);
        await SettleAsync([file.Path], cancellationToken);
        var cpu = CpuTime.Now();
        var result = await CurlUploadAsync(portal.BaseAddress, image.Id, token, file.Path, cancellationToken);
        var used = CpuTime.Now() - cpu;
        await VerifyThroughApiAsync(api, image.Id, file, cancellationToken);
        await portal.DeleteImageAsync(image.Id);
        return new PeerUpload(MegabytesPerSecond(file.Length, result.Elapsed), result.Elapsed.TotalSeconds, used.Self);
    }

    /// <summary>md5sum and sha512sum of the file at once: the hashing both servers do, by the standard tools.</summary>
    private static async Task<(TimeSpan Cpu, double Seconds)> ReferenceAsync(SourceFile file, CancellationToken cancellationToken)
    {
        await SettleAsync([file.Path], cancellationToken);
        var cpu = CpuTime.Now();
        var clock = Stopwatch.StartNew();
        var digests = await DigestsAsync(file.Path, cancellationToken);
        clock.Stop();
        var used = CpuTime.Now() - cpu;
        if (digests != file)
        {
            throw new InvalidOperationException("md5sum/sha512sum disagree between rounds: the source file changed.");
        }

        return (used.Children, clock.Elapsed.TotalSeconds);
    }
}
