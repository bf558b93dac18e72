using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Portal.Images.Transfer;

namespace Portal.Tests.Benchmarks;

/// <param name="Reference">socat sending the stored file into socat writing to /dev/null, over loopback (MB/s).</param>
/// <param name="Download">curl fetching <c>GET /image/v2/images/{id}/file</c> by token into /dev/null (MB/s).</param>
public sealed record DownloadRound(double Reference, double Download, double Seconds, CpuTime Cpu, MemoryPeak Memory);

/// <summary>
/// How fast the portal serves an image's data compared with the plainest way this machine moves the same bytes over
/// loopback: <c>socat -u FILE:stored-file TCP:127.0.0.1:P</c> into <c>socat -u TCP-LISTEN:P /dev/null</c>. Both read
/// the stored file itself, from a warm page cache; each round runs both, in alternating order.
/// </summary>
public static class DownloadLeg
{
    public const double TargetRatio = 0.8;

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(30);

    public static bool SocatInstalled() =>
        Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(dir => File.Exists(Path.Combine(dir, "socat"))) == true;

    /// <summary>Uploads the file once by token (untimed), then measures; returns null without socat.</summary>
    public static async Task<(IReadOnlyList<DownloadRound> Rounds, long IdleResident)?> RunAsync(
        BenchmarkPortal portal, SourceFile file, int roundCount, CancellationToken cancellationToken)
    {
        if (!SocatInstalled())
        {
            Console.WriteLine("download   not measured: the reference needs socat (Debian: apt-get install socat)");
            return null;
        }

        var (_, token) = await portal.ApiTokenAsync(BenchmarkPortal.Email, "download-benchmark");
        var (image, _) = await portal.NewQueuedImageAsync("benchmark-download");
        var url = new Uri(portal.BaseAddress, ImageDownloadEndpoints.DownloadPath(image.Id)).ToString();
        var upload = await ExternalCommand.RunAsync("curl", [
            "-sS", "-T", file.Path, "-H", "Content-Type: application/octet-stream", "-H", $"X-Auth-Token: {token}",
            "-w", "%{http_code}", url,
        ], ToolTimeout, cancellationToken);
        if (upload.Output.Trim() != "204")
        {
            throw new InvalidOperationException($"The download leg's upload by token failed: {upload.Output} {upload.Error}");
        }

        var stored = portal.StoredPath(image.Id);
        var idle = await MemorySampler.IdleAsync();
        await WarmUpAsync(url, token, cancellationToken);
        var rounds = new List<DownloadRound>();
        for (var round = 1; round <= roundCount; round++)
        {
            double reference;
            (double Speed, double Seconds, CpuTime Cpu, MemoryPeak Memory) download;
            if (round % 2 == 1)
            {
                reference = await SocatAsync(stored, file.Length, cancellationToken);
                download = await CurlAsync(url, token, stored, file, cancellationToken);
            }
            else
            {
                download = await CurlAsync(url, token, stored, file, cancellationToken);
                reference = await SocatAsync(stored, file.Length, cancellationToken);
            }

            rounds.Add(new DownloadRound(reference, download.Speed, download.Seconds, download.Cpu, download.Memory));
            Console.WriteLine($"download {round}/{roundCount} socat {reference,7:0.0} MB/s   curl {download.Speed,7:0.0} MB/s  {download.Seconds:0.00} s; "
                + $"server {download.Cpu.Self.TotalSeconds:0.0} CPU-s; ratio {download.Speed / reference:0.00}; "
                + $"memory +{download.Memory.ResidentBytes - idle.Resident >> 20} MiB RSS, {download.Memory.AllocatedBytes >> 20} MiB allocated");
        }

        await VerifyBytesAsync(portal, url, token, file, cancellationToken);
        await portal.DeleteImageAsync(image.Id);
        return (rounds, idle.Resident);
    }

    /// <summary>The same start for both: nothing dirty waiting for write-back, the stored file in the page cache.</summary>
    private static async Task SettleAsync(string stored, CancellationToken cancellationToken)
    {
        await ExternalCommand.CheckedAsync("sync", ["-f", stored], ToolTimeout, cancellationToken);
        await ExternalCommand.CheckedAsync("dd", [$"if={stored}", "of=/dev/null", "bs=4M", "status=none"], ToolTimeout, cancellationToken);
    }

    private static async Task<double> SocatAsync(string stored, long length, CancellationToken cancellationToken)
    {
        await SettleAsync(stored, cancellationToken);
        var port = FreePort();
        var listener = ExternalCommand.RunAsync("socat", ["-u", $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr", "/dev/null"], ToolTimeout, cancellationToken);

        // The sender is refused until the listener is up; only the attempt that connects is timed.
        for (var attempt = 0; ; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            var clock = Stopwatch.StartNew();
            var sender = await ExternalCommand.RunAsync("socat", ["-u", $"FILE:{stored}", $"TCP:127.0.0.1:{port}"], ToolTimeout, cancellationToken);
            if (sender.ExitCode == 0)
            {
                var received = await listener;
                clock.Stop();
                if (received.ExitCode != 0)
                {
                    throw new InvalidOperationException($"socat (listener) failed: {received.Error.Trim()}");
                }

                return length / clock.Elapsed.TotalSeconds / 1e6;
            }

            if (attempt == 40 || listener.IsCompleted)
            {
                throw new InvalidOperationException($"socat could not send over loopback: {sender.Error.Trim()}");
            }
        }
    }

    private static async Task<(double Speed, double Seconds, CpuTime Cpu, MemoryPeak Memory)> CurlAsync(
        string url, string token, string stored, SourceFile file, CancellationToken cancellationToken)
    {
        await SettleAsync(stored, cancellationToken);
        var sampler = MemorySampler.Start();
        var cpu = CpuTime.Now();
        var result = await ExternalCommand.RunAsync("curl", [
            "-sS", "-o", "/dev/null", "-H", $"X-Auth-Token: {token}", "-w", "%{http_code} %{size_download}", url,
        ], ToolTimeout, cancellationToken);
        var used = CpuTime.Now() - cpu;
        var memory = await sampler.StopAsync();
        if (result.ExitCode != 0 || result.Output.Trim() != $"200 {file.Length.ToString(CultureInfo.InvariantCulture)}")
        {
            throw new InvalidOperationException($"curl download failed (exit {result.ExitCode}): {result.Output.Trim()} {result.Error.Trim()}");
        }

        return (file.Length / result.Elapsed.TotalSeconds / 1e6, result.Elapsed.TotalSeconds, used, memory);
    }

    /// <summary>A first request compiles the download path, so the first round does not pay for the JIT.</summary>
    private static Task WarmUpAsync(string url, string token, CancellationToken cancellationToken) =>
        ExternalCommand.CheckedAsync("curl", ["-sS", "-o", "/dev/null", "-r", "0-67108863", "-H", $"X-Auth-Token: {token}", url], ToolTimeout, cancellationToken);

    /// <summary>Untimed: the bytes served hash to the file's MD5, and Content-MD5 says the same.</summary>
    private static async Task VerifyBytesAsync(BenchmarkPortal portal, string url, string token, SourceFile file, CancellationToken cancellationToken)
    {
        using var client = portal.ApiClient(token);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(body, cancellationToken));
        var header = response.Content.Headers.NonValidated[ImageDownloadEndpoints.ContentMd5Header].ToString();
        if (md5 != file.Md5 || header != file.Md5)
        {
            throw new InvalidOperationException($"The download does not match the file: md5 {md5}, Content-MD5 {header}, expected {file.Md5}.");
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
