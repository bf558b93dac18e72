using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Tests.Support;
using static Portal.Tests.Benchmarks.LegSupport;

namespace Portal.Tests.Benchmarks;

/// <param name="Import">The portal's URL import, from creating the image to it being active (MB/s).</param>
/// <param name="Tee">curl | tee >(md5sum) >(sha512sum) > file, until both digests are printed (MB/s).</param>
/// <param name="Plain">curl -o file (MB/s).</param>
public sealed record ImportRound(double Import, double Tee, double Plain);

/// <summary>
/// A URL import of a random file served by a plain loopback file server (<see cref="LoopbackFileServer"/>; the
/// import's guard allows loopback and the server's port only by the settings tests use) against the standard tools
/// doing the same work in the same round: download, write to a file on the same disk, MD5 and SHA-512, i.e.
/// <c>curl URL | tee >(md5sum) >(sha512sum) > file</c> in bash; and, for information, a plain <c>curl -o file</c>.
/// The three run one after the other, their order rotating from round to round.
/// </summary>
public static class UrlImportLeg
{
    public const double TargetRatio = 0.9;
    public const long DefaultBytes = 1L << 30;

    private const long WarmUpBytes = 64L << 20;

    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var bytes = options.BytesOr(DefaultBytes);
        var server = new LoopbackFileServer();
        await server.InitializeAsync();
        try
        {
            await using var portal = new BenchmarkPortal();
            portal.With("Portal:Import:AllowLoopback", "true");
            portal.With("Portal:Import:AllowedPorts:0", server.Port.ToString(CultureInfo.InvariantCulture));
            await portal.InitializeAsync();
            var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "import-leg")).FullName;
            Console.WriteLine($"import     URL import of {Size(bytes)} from {server.Url("source.bin")} (an in-process Kestrel file server) vs "
                + $"curl | tee >(md5sum) >(sha512sum) > file and curl -o file; {options.Rounds} round(s)");
            var file = await RandomFileAsync(Path.Combine(server.Folder, "source.bin"), bytes, cancellationToken);
            var warmUp = await RandomFileAsync(Path.Combine(server.Folder, "warm-up.bin"), Math.Min(WarmUpBytes, bytes), cancellationToken);
            var output = Path.Combine(work, "download.bin");

            // The import path (downloader, worker, hashing) compiled before the first measured round.
            await ImportAsync(portal, server.Url("warm-up.bin"), warmUp, cancellationToken);

            var rounds = new List<ImportRound>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                var legs = new Func<Task<double>>[]
                {
                    () => ImportAsync(portal, server.Url("source.bin"), file, cancellationToken),
                    () => TeeAsync(server.Url("source.bin"), file, output, work, cancellationToken),
                    () => PlainAsync(server.Url("source.bin"), file, output, cancellationToken),
                };
                var speeds = new double[legs.Length];
                for (var i = 0; i < legs.Length; i++)
                {
                    var leg = (i + round - 1) % legs.Length;
                    speeds[leg] = await legs[leg]();
                }

                var result = new ImportRound(speeds[0], speeds[1], speeds[2]);
                rounds.Add(result);
                Console.WriteLine($"import round {round}/{options.Rounds}  import {result.Import,7:0.0} MB/s  curl | tee ‖ md5sum ‖ sha512sum {result.Tee,7:0.0} MB/s  "
                    + $"curl -o {result.Plain,7:0.0} MB/s  ratio {result.Import / result.Tee:0.00} (to curl -o {result.Import / result.Plain:0.00})");
            }

            var import = Median(rounds.Select(r => r.Import));
            var tee = Median(rounds.Select(r => r.Tee));
            var plain = Median(rounds.Select(r => r.Plain));
            var ratio = Median(rounds.Select(r => r.Import / r.Tee));
            var plainRatio = Median(rounds.Select(r => r.Import / r.Plain));
            PrintTable([
                ["leg", "measured", "compared with", "ratio", "target", "result"],
                ["reference: curl URL | tee >(md5sum) >(sha512sum) > file", $"{tee:0.0} MB/s", "", "", "", ""],
                ["reference: curl -o file", $"{plain:0.0} MB/s", "", "", "", ""],
                ["URL import: created → active (stored, MD5, SHA-512)", $"{import:0.0} MB/s", $"curl | tee {tee:0.0}", $"{ratio:0.00}", $"≥ {TargetRatio:0.0}", Verdict(ratio >= TargetRatio)],
                ["URL import against plain curl -o (information)", $"{import:0.0} MB/s", $"curl -o {plain:0.0}", $"{plainRatio:0.00}", "", ""],
            ]);
            Console.WriteLine($"(median of {rounds.Count} round(s); ratios: medians of the rounds' own ratios)");
            Console.WriteLine();
            return ratio >= TargetRatio;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Creates an image from the URL as the create form does; timed until the image is active; checked; deleted.</summary>
    private static async Task<double> ImportAsync(BenchmarkPortal portal, string url, SourceFile file, CancellationToken cancellationToken)
    {
        await SettleAsync([file.Path], cancellationToken);
        var caller = await portal.CallerAsync(BenchmarkPortal.Email);
        var images = portal.Services.GetRequiredService<ImageService>();

        // The end is heard from the portal's own live updates (as the open page hears it), not by polling the database,
        // which would take CPU from the import on a busy machine.
        var created = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = portal.Services.GetRequiredService<ImageEvents>().Subscribe(caller, async change =>
        {
            if (change.Progress is null && change.Status is not (ImageStatus.Importing or ImageStatus.Saving)
                && change.ImageId == await created.Task)
            {
                ended.TrySetResult();
            }
        });
        var clock = Stopwatch.StartNew();
        var image = await images.CreateAsync(caller, new CreateImageRequest
        {
            Name = $"import-{Guid.NewGuid():N}"[..20],
            Source = ImageSource.Url,
            ImageUrl = url,
            DiskFormat = DiskFormat.Raw,
        });
        created.SetResult(image.Id);
        await ended.Task.WaitAsync(ToolTimeout, cancellationToken);
        clock.Stop();
        var stored = await portal.ImageAsync(image.Id);
        if (stored.Status != ImageStatus.Active || stored.Size != file.Length || stored.Checksum != file.Md5 || stored.OsHashValue != file.Sha512)
        {
            throw new InvalidOperationException(
                $"The imported image does not match the file: {stored.Status} ({stored.StatusReason}), {stored.Size} bytes, md5 {stored.Checksum}.");
        }

        await portal.DeleteImageAsync(image.Id);
        return MegabytesPerSecond(file.Length, clock.Elapsed);
    }

    /// <summary>The standard tools' same work: download, store, MD5 and SHA-512; timed until both digests are printed.</summary>
    private static async Task<double> TeeAsync(string url, SourceFile file, string output, string work, CancellationToken cancellationToken)
    {
        var md5 = Path.Combine(work, "md5.txt");
        var sha512 = Path.Combine(work, "sha512.txt");
        await SettleAsync([file.Path], cancellationToken);
        File.Delete(md5);
        File.Delete(sha512);

        // Bash does not wait for process substitutions: the script waits until both have printed their digest.
        var script = $"""
            set -euo pipefail
            curl -sS --fail '{url}' | tee >(md5sum > '{md5}') >(sha512sum > '{sha512}') > '{output}'
            until [ -s '{md5}' ] && [ -s '{sha512}' ]; do sleep 0.005; done
            """;
        var result = await ExternalCommand.RunAsync("bash", ["-c", script], ToolTimeout, cancellationToken);
        if (result.ExitCode != 0 || (await File.ReadAllTextAsync(md5, cancellationToken)).Split(' ')[0] != file.Md5
            || (await File.ReadAllTextAsync(sha512, cancellationToken)).Split(' ')[0] != file.Sha512 || new FileInfo(output).Length != file.Length)
        {
            throw new InvalidOperationException($"curl | tee >(md5sum) >(sha512sum) failed or disagrees: {result.Error.Trim()}");
        }

        File.Delete(output);
        return MegabytesPerSecond(file.Length, result.Elapsed);
    }

    private static async Task<double> PlainAsync(string url, SourceFile file, string output, CancellationToken cancellationToken)
    {
        await SettleAsync([file.Path], cancellationToken);
        var result = await ExternalCommand.RunAsync("curl", ["-sS", "--fail", "-o", output, url], ToolTimeout, cancellationToken);
        if (result.ExitCode != 0 || new FileInfo(output).Length != file.Length)
        {
            throw new InvalidOperationException($"curl -o failed: {result.Error.Trim()}");
        }

        File.Delete(output);
        return MegabytesPerSecond(file.Length, result.Elapsed);
    }
}
