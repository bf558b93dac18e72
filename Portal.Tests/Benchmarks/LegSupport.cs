using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Images.Transfer;

namespace Portal.Tests.Benchmarks;

/// <summary>What the legs of issue 14 share: medians, verdicts, files and their digests, curl uploads by API token.</summary>
public static class LegSupport
{
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(30);

    public static string Verdict(bool met) => met ? "PASS" : "FAIL";

    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>The value at <paramref name="fraction"/> of the sorted values, interpolated between neighbours.</summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = fraction * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    public static double MegabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / 1e6;

    public static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";

    public static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.##} GiB" : $"{bytes / (double)(1L << 20):0.#} MiB";

    /// <summary>Random (incompressible) data, written and flushed to disk; then its digests by md5sum and sha512sum.</summary>
    public static async Task<SourceFile> RandomFileAsync(string path, long length, CancellationToken cancellationToken)
    {
        await UploadBenchmark.WriteRandomFileAsync(path, length, cancellationToken);
        return await DigestsAsync(path, cancellationToken);
    }

    public static async Task<SourceFile> DigestsAsync(string path, CancellationToken cancellationToken)
    {
        var md5 = ExternalCommand.CheckedAsync("md5sum", [path], ToolTimeout, cancellationToken);
        var sha512 = ExternalCommand.CheckedAsync("sha512sum", [path], ToolTimeout, cancellationToken);
        return new SourceFile(path, new FileInfo(path).Length, (await md5).Split(' ')[0], (await sha512).Split(' ')[0]);
    }

    /// <summary>Nothing dirty waiting for write-back, and the files in the page cache: every leg starts the same.</summary>
    public static async Task SettleAsync(IEnumerable<string> files, CancellationToken cancellationToken)
    {
        await ExternalCommand.CheckedAsync("sync", [], ToolTimeout, cancellationToken);
        foreach (var file in files)
        {
            await ExternalCommand.CheckedAsync("dd", [$"if={file}", "of=/dev/null", "bs=4M", "status=none"], ToolTimeout, cancellationToken);
        }
    }

    /// <summary>
    /// <c>curl -T file</c> to <c>PUT /image/v2/images/{id}/file</c> with an API token, as a tool uploads; throws unless 204.
    /// </summary>
    public static async Task<CommandResult> CurlUploadAsync(Uri portal, Guid imageId, string apiToken, string file, CancellationToken cancellationToken)
    {
        var url = new Uri(portal, ImageUploadEndpoints.UploadPath(imageId));
        var result = await ExternalCommand.RunAsync("curl", [
            "-sS", "-T", file,
            "-H", "Content-Type: application/octet-stream",
            "-H", $"X-Auth-Token: {apiToken}",
            "-w", "\n%{http_code}", "--max-time", ((int)ToolTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            url.ToString(),
        ], ToolTimeout, cancellationToken);
        var status = result.Output.Split('\n')[^1];
        if (result.ExitCode != 0 || status != "204")
        {
            throw new InvalidOperationException($"curl upload of {file} failed (exit {result.ExitCode}, HTTP {status}): {result.Output.Trim()} {result.Error.Trim()}");
        }

        return result;
    }

    /// <summary>
    /// Reads the image through the API (<c>GET /image/v2/images/{id}</c>, as a client checks it) and throws unless it is
    /// active with the file's size, MD5 and SHA-512 (<c>os_hash_value</c>) computed locally.
    /// </summary>
    public static async Task VerifyThroughApiAsync(HttpClient api, Guid imageId, SourceFile file, CancellationToken cancellationToken)
    {
        var json = await api.GetFromJsonAsync<JsonObject>($"/image/v2/images/{imageId:D}", cancellationToken)
            ?? throw new InvalidOperationException($"GET /image/v2/images/{imageId} returned nothing.");
        var status = (string?)json["status"];
        var size = (long?)json["size"];
        var md5 = (string?)json["checksum"];
        var sha512 = (string?)json["os_hash_value"];
        if (status != "active" || size != file.Length || md5 != file.Md5 || sha512 != file.Sha512)
        {
            throw new InvalidOperationException(
                $"Image {imageId} does not match {file.Path}: {status}, {size} bytes, md5 {md5}, sha512 {sha512?[..16]}… (expected {file.Sha512[..16]}…).");
        }
    }

    /// <summary>Prints a table with aligned columns (numbers right-aligned).</summary>
    public static void PrintTable(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c is 1 or 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
