using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Extensions;
using Portal.Identity;
using Portal.Images;
using Portal.Images.ObjectStore;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The portal on Kestrel with its images in an S3 bucket on the tests' real Swift, parts of 5 MiB.</summary>
public sealed class S3Portal : KestrelPortal
{
    public const int PartSizeMb = 5;

    public override async Task InitializeAsync()
    {
        var swift = await SwiftServer.SharedAsync();
        foreach (var (key, value) in swift.PortalSettings(swift.StoreOptions(partSizeMb: PartSizeMb)))
        {
            With(key, value);
        }

        await base.InitializeAsync();
    }

    public S3ImageStore Store => (S3ImageStore)Services.GetRequiredService<IImageStore>();
}

/// <summary>
/// Real uploads with curl into the S3-backed portal and downloads back (whole and ranged): the bytes go to Swift while
/// they arrive, the portal's disk never holds the image, and nothing is left half-uploaded.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class S3StorePortalTests(S3Portal portal) : IClassFixture<S3Portal>, IDisposable
{
    private readonly string _files = Directory.CreateTempSubdirectory("portal-s3-files-").FullName;

    public void Dispose() => Directory.Delete(_files, recursive: true);

    [Fact]
    public async Task AQcow2UploadedWithCurlIsStoredInTheBucketAndDownloadsWhole()
    {
        var file = Path.Combine(_files, "disk.qcow2");
        QemuImg.Run("create", "-f", "qcow2", file, "64M");
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "s3-qcow2", DiskFormat.Qcow2);

        Assert.Equal("204", await CurlUploadAsync(image.Id, file, limitRate: null));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(bytes)), stored.OsHashValue);
        Assert.Equal(64L << 20, stored.VirtualSize);
        Assert.Equal(bytes.Length, await portal.Store.LengthOfAsync(image.Id, CancellationToken.None));

        using var api = await ApiAsync();
        using var download = await api.GetAsync(ImageDownloadEndpoints.DownloadPath(image.Id));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(SHA512.HashData(bytes), SHA512.HashData(await download.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task ARawImageOfSeveralPartsStreamsToTheBucketWithoutTouchingThePortalsDisk()
    {
        var length = (2 * (S3Portal.PartSizeMb << 20)) + 777_777;
        var content = new byte[length];
        new Random(42).NextBytes(content);
        var file = Path.Combine(_files, "disk.raw");
        await File.WriteAllBytesAsync(file, content);
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "s3-raw");
        var dataBefore = FolderBytes(portal.DataFolder);

        // Slow enough (about 4 s) for the watch below to see the upload under way.
        var upload = CurlUploadAsync(image.Id, file, limitRate: "3M");
        long largestGrowth = 0;
        var sawSaving = false;
        while (!upload.IsCompleted)
        {
            largestGrowth = Math.Max(largestGrowth, FolderBytes(portal.DataFolder) - dataBefore);
            sawSaving |= (await portal.ImageAsync(image.Id)).Status == ImageStatus.Saving;
            await Task.Delay(20);
        }

        Assert.Equal("204", await upload);
        Assert.True(sawSaving, "The upload finished before the watch saw it under way.");
        // The database grows by a few pages; an image copy would be its whole length (more than 10 MiB).
        Assert.True(largestGrowth < 2 << 20, $"The portal's data folder grew by {largestGrowth} bytes during a {length}-byte upload.");
        Assert.Empty(Directory.EnumerateFiles(portal.ImagesFolder, "*", SearchOption.AllDirectories));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(content)), stored.OsHashValue);
        Assert.Empty(await portal.Store.IncompleteUploadsAsync(CancellationToken.None));

        using var api = await ApiAsync();
        using (var whole = await api.GetAsync(ImageDownloadEndpoints.DownloadPath(image.Id)))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal(length, whole.Content.Headers.ContentLength);
            Assert.Equal(SHA512.HashData(content), SHA512.HashData(await whole.Content.ReadAsByteArrayAsync()));
        }

        // A range across the first part boundary, and the last bytes.
        var from = (S3Portal.PartSizeMb << 20) - 1000;
        using (var ranged = await api.SendAsync(RangeRequest(image.Id, new RangeItemHeaderValue(from, from + 1999))))
        {
            Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
            Assert.Equal($"bytes {from}-{from + 1999}/{length}", ranged.Content.Headers.ContentRange?.ToString());
            Assert.Equal(content[from..(from + 2000)], await ranged.Content.ReadAsByteArrayAsync());
        }

        using (var tail = await api.SendAsync(RangeRequest(image.Id, new RangeItemHeaderValue(null, 100))))
        {
            Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
            Assert.Equal(content[^100..], await tail.Content.ReadAsByteArrayAsync());
        }

        using (var beyond = await api.SendAsync(RangeRequest(image.Id, new RangeItemHeaderValue(length, null))))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        }
    }

    [Fact]
    public async Task ThePortalIsReadyWithItsObjectStore()
    {
        using var anonymous = portal.ApiClient(token: null);

        using var ready = await anonymous.GetAsync(PortalHealth.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        Assert.Empty(await portal.Store.IncompleteUploadsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AnUploadCutOffHalfwayLeavesNoMultipartUploadBehind()
    {
        var file = Path.Combine(_files, "cut.raw");
        var content = new byte[(4 * S3Portal.PartSizeMb) << 20];
        new Random(9).NextBytes(content);
        await File.WriteAllBytesAsync(file, content);
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "s3-cut-off");
        var key = portal.Store.KeyOf(image.Id);

        using var curl = await StartCurlAsync(image.Id, file, limitRate: "2M");
        // A part is in the bucket (the multipart upload exists) when the client goes away.
        await Eventually.TrueAsync(async () => (await portal.Store.IncompleteUploadsAsync(CancellationToken.None)).Any(u => u.Key == key));
        curl.Kill();

        var stopped = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.Equal(ImageStatus.Queued, stopped.Status);
        await Eventually.TrueAsync(async () => (await portal.Store.IncompleteUploadsAsync(CancellationToken.None)).Count == 0);
        Assert.False(await portal.Store.ExistsAsync(image.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AtStartThePortalAbortsTheMultipartUploadsACrashLeftInItsBucket()
    {
        var swift = await SwiftServer.SharedAsync();
        var options = swift.StoreOptions(partSizeMb: S3Portal.PartSizeMb);
        var crashed = new S3ImageStore(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<S3ImageStore>.Instance);
        // Never disposed, as when the process dies mid-upload: a part is on its way, the upload stays open.
        var writer = await crashed.BeginWriteAsync(Guid.NewGuid(), CancellationToken.None);
        await writer.WriteAsync(new byte[(S3Portal.PartSizeMb << 20) + 1], CancellationToken.None);
        await Eventually.TrueAsync(async () => (await crashed.IncompleteUploadsAsync(CancellationToken.None)).Count == 1);

        await using var restarted = new KestrelPortal();
        foreach (var (key, value) in swift.PortalSettings(options))
        {
            restarted.With(key, value);
        }

        await restarted.InitializeAsync();

        Assert.Empty(await crashed.IncompleteUploadsAsync(CancellationToken.None));
    }

    private async Task<HttpClient> ApiAsync() => portal.ApiClient((await portal.ApiTokenAsync("alice@demo.local")).Token);

    private static HttpRequestMessage RangeRequest(Guid id, RangeItemHeaderValue range)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ImageDownloadEndpoints.DownloadPath(id));
        request.Headers.Range = new RangeHeaderValue();
        request.Headers.Range.Ranges.Add(range);
        return request;
    }

    private static long FolderBytes(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>curl sending the file with an API token, as OpenStack tools do; its HTTP status once it finished (bounded).</summary>
    private async Task<string> CurlUploadAsync(Guid id, string file, string? limitRate)
    {
        using var process = await StartCurlAsync(id, file, limitRate);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, $"curl exited {process.ExitCode}: {await error}");
        return await output;
    }

    private async Task<Process> StartCurlAsync(Guid id, string file, string? limitRate)
    {
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-sS", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "-T", file,
            "-H", $"{ApiTokenAuthentication.Header}: {token}", "-H", "Content-Type: application/octet-stream" })
        {
            start.ArgumentList.Add(argument);
        }

        if (limitRate is not null)
        {
            start.ArgumentList.Add("--limit-rate");
            start.ArgumentList.Add(limitRate);
        }

        start.ArgumentList.Add(new Uri(portal.BaseAddress, ImageUploadEndpoints.UploadPath(id)).ToString());
        return Process.Start(start)!;
    }
}
