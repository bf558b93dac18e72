using System.Diagnostics;
using System.Globalization;
using Portal.Images;
using Portal.Images.Transfer;

namespace Portal.Tests.Benchmarks;

/// <summary>One round of the decompressing leg: the plain upload of the disk and the upload of its zstd file, in MB/s of disk bytes.</summary>
public sealed record DecompressRound(double Plain, double Decompressing, MemoryPeak Memory);

/// <summary>
/// A raw disk (first half random bytes, second half base64 of random bytes: about 1.3 : 1 for zstd) compressed with
/// <c>zstd -3</c> and uploaded with curl and <c>X-Portal-Decompress: true</c>, against the plain upload of the disk itself
/// in the same round. Throughput is of the decompressed (disk) bytes; decompression may cost, but must not more than
/// halve the upload.
/// </summary>
public static class DecompressLeg
{
    public const double TargetRatio = 0.5;

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(30);

    public static async Task<(IReadOnlyList<DecompressRound> Rounds, long IdleResident, double CompressionRatio)> RunAsync(
        BenchmarkPortal portal, string work, long bytes, int roundCount, string cookieJar, CancellationToken cancellationToken)
    {
        var disk = Path.Combine(work, "disk.raw");
        var compressed = disk + ".zst";
        await WriteHalfTextDiskAsync(disk, bytes, cancellationToken);
        await ExternalCommand.CheckedAsync("zstd", ["-3", "-q", "-f", disk, "-o", compressed], ToolTimeout, cancellationToken);
        var md5 = ExternalCommand.CheckedAsync("md5sum", [disk], ToolTimeout, cancellationToken);
        var sha512 = ExternalCommand.CheckedAsync("sha512sum", [disk], ToolTimeout, cancellationToken);
        var file = new SourceFile(disk, bytes, (await md5).Split(' ')[0], (await sha512).Split(' ')[0]);
        var ratio = bytes / (double)new FileInfo(compressed).Length;
        Console.WriteLine($"decompress disk {bytes / (double)(1L << 30):0.##} GiB (half random, half base64), zstd -3 → {new FileInfo(compressed).Length:N0} bytes ({ratio:0.00} : 1)");

        // The decompressing path compiled before the first measured round (zstd's decoder included).
        await UploadAsync(portal, file, compressed, cookieJar, "decompress-warm-up", decompress: true, cancellationToken);
        var idle = await MemorySampler.IdleAsync();

        var rounds = new List<DecompressRound>();
        for (var round = 1; round <= roundCount; round++)
        {
            double plain;
            (double Speed, MemoryPeak Memory) decompressing;
            if (round % 2 == 1)
            {
                plain = (await UploadAsync(portal, file, disk, cookieJar, $"plain-{round}", decompress: false, cancellationToken)).Speed;
                decompressing = await UploadAsync(portal, file, compressed, cookieJar, $"zstd-{round}", decompress: true, cancellationToken);
            }
            else
            {
                decompressing = await UploadAsync(portal, file, compressed, cookieJar, $"zstd-{round}", decompress: true, cancellationToken);
                plain = (await UploadAsync(portal, file, disk, cookieJar, $"plain-{round}", decompress: false, cancellationToken)).Speed;
            }

            rounds.Add(new DecompressRound(plain, decompressing.Speed, decompressing.Memory));
            Console.WriteLine($"decompress round {round}/{roundCount}  plain {plain,7:0.0} MB/s  zstd {decompressing.Speed,7:0.0} MB/s (disk bytes)  "
                + $"ratio {decompressing.Speed / plain:0.00}; memory +{(decompressing.Memory.ResidentBytes - idle.Resident) / 1048576.0:0.0} MiB RSS");
        }

        File.Delete(compressed);
        File.Delete(disk);
        return (rounds, idle.Resident, ratio);
    }

    private static async Task WriteHalfTextDiskAsync(string path, long length, CancellationToken cancellationToken)
    {
        var random = new byte[3 << 18];
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        long written = 0;
        while (written < length)
        {
            Random.Shared.NextBytes(random);
            var chunk = written < length / 2 ? random : System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(random));
            var count = (int)Math.Min(chunk.Length, length - written);
            await stream.WriteAsync(chunk.AsMemory(0, count), cancellationToken);
            written += count;
        }

        stream.Flush(flushToDisk: true);
    }

    private static async Task<(double Speed, MemoryPeak Memory)> UploadAsync(
        BenchmarkPortal portal, SourceFile disk, string send, string cookieJar, string name, bool decompress, CancellationToken cancellationToken)
    {
        var (image, token) = await portal.NewQueuedImageAsync(name);
        var url = new Uri(portal.BaseAddress, ImageUploadEndpoints.UploadPath(image.Id));
        await ExternalCommand.CheckedAsync("sync", ["-f", send], ToolTimeout, cancellationToken);
        await ExternalCommand.CheckedAsync("dd", [$"if={send}", "of=/dev/null", "bs=4M", "status=none"], ToolTimeout, cancellationToken);

        var sampler = MemorySampler.Start();
        var clock = Stopwatch.StartNew();
        var result = await ExternalCommand.RunAsync("curl", [
            "-sS", "-T", send, "-b", cookieJar,
            "-H", "Content-Type: application/octet-stream",
            "-H", $"{ImageUploadEndpoints.UploadTokenHeader}: {token}",
            "-H", $"{ImageUploadEndpoints.DecompressHeader}: {(decompress ? "true" : "false")}",
            "-w", "\n%{http_code}", "--max-time", ((int)ToolTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            url.ToString(),
        ], ToolTimeout, cancellationToken);
        clock.Stop();
        var memory = await sampler.StopAsync();
        var status = result.Output.Split('\n')[^1];
        if (result.ExitCode != 0 || status != "204")
        {
            throw new InvalidOperationException($"curl upload of {send} failed (exit {result.ExitCode}, HTTP {status}): {result.Output.Trim()} {result.Error.Trim()}");
        }

        var stored = await portal.ImageAsync(image.Id);
        if (stored.Status != ImageStatus.Active || stored.Size != disk.Length || stored.Checksum != disk.Md5 || stored.OsHashValue != disk.Sha512)
        {
            throw new InvalidOperationException(
                $"The stored image does not match the disk: {stored.Status}, {stored.Size} bytes, md5 {stored.Checksum}, sha512 {stored.OsHashValue}.");
        }

        await portal.DeleteImageAsync(image.Id);
        return (disk.Length / result.Elapsed.TotalSeconds / 1e6, memory);
    }
}
