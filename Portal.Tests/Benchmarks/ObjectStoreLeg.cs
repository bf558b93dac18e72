using System.Diagnostics;
using System.Globalization;
using Portal.Tests.Support;
using static Portal.Tests.Benchmarks.LegSupport;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// The portal with its images in a bucket of a real OpenStack Swift (s3api, started from Debian's packages as the tests
/// start it): a curl upload into it against <c>swift upload</c> (Debian's python3-swiftclient, which also checks the
/// MD5 Swift answers) of the same file into the same Swift, in the same round, alternating which goes first.
/// </summary>
public static class ObjectStoreLeg
{
    public const double TargetRatio = 0.8;
    public const long DefaultBytes = 1L << 30;
    private const int PartSizeMb = 16;

    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var bytes = options.BytesOr(DefaultBytes);
        // Swift's proxy over TLS for both: the SDK then sends the parts unsigned (UNSIGNED-PAYLOAD) rather than hashing each
        // one with SHA-256 for its signature (and s3api hashing it again to check) — what it must do over plain http.
        var swift = await SwiftServer.SharedTlsAsync();
        await using var portal = new BenchmarkPortal();
        foreach (var (key, value) in swift.PortalSettings(swift.StoreOptions(partSizeMb: PartSizeMb)))
        {
            portal.With(key, value);
        }

        await portal.InitializeAsync();
        var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "object-store")).FullName;
        Console.WriteLine($"objectstore  curl upload of {Size(bytes)} into the portal on Swift (s3api, {PartSizeMb} MiB parts) vs swift upload "
            + $"of the same file to the same Swift, both over https; {options.Rounds} round(s)");

        var file = await RandomFileAsync(Path.Combine(work, "object-store.bin"), bytes, cancellationToken);
        var (_, token) = await portal.ApiTokenAsync(BenchmarkPortal.Email, "object-store-benchmark");
        using var api = portal.ApiClient(token);
        var swiftArgs = new[]
        {
            "-A", new Uri(swift.ServiceUrl, "auth/v1.0").ToString(), "-U", SwiftServer.AccessKey, "-K", SwiftServer.SecretKey, "--os-cacert", swift.CaCertificateFile!,
        };
        var container = $"swift-upload-{Guid.NewGuid():N}"[..24];

        // Compiles the upload path and creates the container before the first measured round.
        await PortalUploadAsync(portal, api, token, file, cancellationToken);
        await SwiftUploadAsync(swiftArgs, container, file, cancellationToken);

        var rounds = new List<(double Portal, double Swift)>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            TimeSpan portalTime;
            TimeSpan swiftTime;
            if (round % 2 == 1)
            {
                portalTime = await PortalUploadAsync(portal, api, token, file, cancellationToken);
                swiftTime = await SwiftUploadAsync(swiftArgs, container, file, cancellationToken);
            }
            else
            {
                swiftTime = await SwiftUploadAsync(swiftArgs, container, file, cancellationToken);
                portalTime = await PortalUploadAsync(portal, api, token, file, cancellationToken);
            }

            var result = (MegabytesPerSecond(bytes, portalTime), MegabytesPerSecond(bytes, swiftTime));
            rounds.Add(result);
            Console.WriteLine($"objectstore round {round}/{options.Rounds}  portal {result.Item1,7:0.0} MB/s ({portalTime.TotalSeconds:0.00} s)  "
                + $"swift upload {result.Item2,7:0.0} MB/s ({swiftTime.TotalSeconds:0.00} s)  ratio {result.Item1 / result.Item2:0.00}");
        }

        await ExternalCommand.RunAsync("swift", [.. swiftArgs, "delete", container], ToolTimeout, cancellationToken);
        Directory.Delete(work, recursive: true);
        var portalMedian = Median(rounds.Select(r => r.Portal));
        var swiftMedian = Median(rounds.Select(r => r.Swift));
        var ratio = Median(rounds.Select(r => r.Portal / r.Swift));
        PrintTable([
            ["leg", "measured", "compared with", "ratio", "target", "result"],
            [$"curl upload into the Swift-backed portal ({Size(bytes)})", $"{portalMedian:0.0} MB/s", $"swift upload {swiftMedian:0.0}", $"{ratio:0.00}", $"≥ {TargetRatio:0.0#}", Verdict(ratio >= TargetRatio)],
        ]);
        Console.WriteLine($"(median of {rounds.Count} round(s); ratio: median of the rounds' own ratios; the portal's figure includes MD5, SHA-512, "
            + "the format inspection and TLS, parts sent as UNSIGNED-PAYLOAD; swift upload computes MD5 and speaks TLS too; the image is checked through the API)");
        Console.WriteLine();
        return ratio >= TargetRatio;
    }

    private static async Task<TimeSpan> PortalUploadAsync(BenchmarkPortal portal, HttpClient api, string token, SourceFile file, CancellationToken cancellationToken)
    {
        var image = (await portal.NewQueuedImageAsync($"object-store-{Guid.NewGuid():N}"[..24])).Image.Id;
        await SettleAsync([file.Path], cancellationToken);
        var clock = Stopwatch.StartNew();
        await CurlUploadAsync(portal.BaseAddress, image, token, file.Path, cancellationToken);
        clock.Stop();
        await VerifyThroughApiAsync(api, image, file, cancellationToken);
        await portal.DeleteImageAsync(image);
        return clock.Elapsed;
    }

    private static async Task<TimeSpan> SwiftUploadAsync(string[] swiftArgs, string container, SourceFile file, CancellationToken cancellationToken)
    {
        await SettleAsync([file.Path], cancellationToken);
        var clock = Stopwatch.StartNew();
        await ExternalCommand.CheckedAsync("swift", [.. swiftArgs, "upload", "--object-name", "disk.bin", container, file.Path], ToolTimeout, cancellationToken);
        clock.Stop();
        return clock.Elapsed;
    }
}
