using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.Transfer;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>A portal that imports from a loopback server and accepts images of at most 48 MiB (a bomb stops there).</summary>
public sealed class CompressionPortal : ImportPortal
{
    public const long MaxImageSize = 48L << 20;

    public CompressionPortal() => With("Portal:Images:MaxImageSizeBytes", MaxImageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public CompressedDisks Disks { get; } = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Disks.Dispose();
        }
    }
}

/// <summary>
/// The expected checksum and compressed sources through real HTTP: the Image API's upload (with the portal's headers) and
/// web-download imports from a loopback server, with files made by qemu-img and Debian's compressors.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ChecksumAndCompressionTests(CompressionPortal portal) : IClassFixture<CompressionPortal>
{
    private const string Alice = "alice@demo.local";

    public static TheoryData<ChecksumAlgorithm> Algorithms => new() { ChecksumAlgorithm.Md5, ChecksumAlgorithm.Sha1, ChecksumAlgorithm.Sha256, ChecksumAlgorithm.Sha512 };

    public static TheoryData<string> Tools => new(CompressedDisks.Tools);

    private static string Hash(ChecksumAlgorithm algorithm, byte[] data) => Convert.ToHexStringLower(algorithm switch
    {
        ChecksumAlgorithm.Md5 => MD5.HashData(data),
        ChecksumAlgorithm.Sha1 => SHA1.HashData(data),
        ChecksumAlgorithm.Sha256 => SHA256.HashData(data),
        _ => SHA512.HashData(data),
    });

    /// <summary>An image made through the Image API (no data yet): Glance's meaning of an upload applies.</summary>
    private async Task<(HttpClient Client, Guid Id)> ApiImageAsync(string name, string diskFormat = "raw")
    {
        var (_, token) = await portal.ApiTokenAsync(Alice);
        var client = portal.ApiClient(token);
        using var created = await client.PostAsJsonAsync("/image/v2/images", new { name, disk_format = diskFormat, container_format = "bare" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<string>();
        return (client, Guid.Parse(id));
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, Guid id, HttpContent content, string? checksum = null, bool decompress = false)
    {
        using var request = KestrelPortal.UploadRequest(id, token: null, content);
        if (checksum is not null)
        {
            request.Headers.Add(ImageUploadEndpoints.ExpectedChecksumHeader, checksum);
        }

        if (decompress)
        {
            request.Headers.Add(ImageUploadEndpoints.DecompressHeader, "true");
        }

        return await client.SendAsync(request);
    }

    private async Task<IReadOnlyList<ImageActivity>> ActivityAsync(Guid id) =>
        (await portal.Services.GetRequiredService<ImageService>().ActivityAsync(await portal.CallerAsync(Alice), id)).Entries;

    private async Task AssertNothingKeptAsync(Guid id)
    {
        Assert.Empty(await portal.IncomingFilesSettledAsync());
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));
        Assert.Equal(0, await portal.Services.GetRequiredService<StorageQuota>().InFlightBytesAsync((await portal.CallerAsync(Alice)).AccountId));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task UploadWhoseDataHasAnotherChecksumIsRefusedAndNothingIsKept(ChecksumAlgorithm algorithm)
    {
        var (client, id) = await ApiImageAsync($"wrong-{algorithm}");
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var expected = Hash(algorithm, RandomNumberGenerator.GetBytes(16));
        var sentence = $"The data's {ExpectedChecksum.NameOf(algorithm)} is {Hash(algorithm, data)}, not the expected {expected}.";

        using var response = await PutAsync(client, id, new ByteArrayContent(data), expected);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(sentence, await response.Content.ReadAsStringAsync());
        var stored = await portal.ImageAsync(id);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Equal(sentence, stored.StatusReason);
        Assert.Null(stored.Checksum);
        await AssertNothingKeptAsync(id);
        var refused = (await ActivityAsync(id))[0];
        Assert.Equal(ImageActivityKind.UploadRefused, refused.Kind);
        Assert.Equal(sentence, refused.Detail);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task UploadWithTheRightChecksumBecomesActive(ChecksumAlgorithm algorithm)
    {
        var (client, id) = await ApiImageAsync($"right-{algorithm}");
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var prefix = algorithm.ToString().ToLowerInvariant() + ":";

        using var response = await PutAsync(client, id, new ByteArrayContent(data), prefix + Hash(algorithm, data).ToUpperInvariant());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(id);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), stored.Checksum);
    }

    [Fact]
    public async Task MalformedChecksumHeaderIsRefusedBeforeAnyDataMoves()
    {
        var (client, id) = await ApiImageAsync("malformed");

        using var response = await PutAsync(client, id, new ByteArrayContent([1, 2, 3]), "sha256:abc");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("A SHA-256 checksum has 64 hex digits; this one has 3.", await response.Content.ReadAsStringAsync());
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(id)).Status);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task CompressedUploadWithTheDecompressHeaderStoresTheDecompressedDisk(string tool)
    {
        var (client, id) = await ApiImageAsync($"uploaded-{tool}", "qcow2");
        await using var file = File.OpenRead(portal.Disks.PathOf(tool));

        using var response = await PutAsync(client, id, new StreamContent(file), decompress: true);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(id);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(portal.Disks.Bytes.Length, stored.Size);
        Assert.Equal(portal.Disks.Md5, stored.Checksum);
        Assert.Equal(portal.Disks.Sha512, stored.OsHashValue);
        Assert.StartsWith("qcow2", stored.DetectedFormat);
        Assert.Equal(QemuImg.Info(portal.Disks.Qcow2).VirtualSize, stored.VirtualSize);
        Assert.Equal(portal.Disks.Bytes, await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, id.ToString())));
    }

    [Fact]
    public async Task WithoutTheHeaderTheApiUploadStoresTheBytesAsSent()
    {
        var (client, id) = await ApiImageAsync("as-sent");
        var compressed = await File.ReadAllBytesAsync(portal.Disks.PathOf("gzip"));

        using var response = await PutAsync(client, id, new ByteArrayContent(compressed));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(id);
        Assert.Equal(compressed.Length, stored.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(compressed)), stored.Checksum);
    }

    [Fact]
    public async Task ExpectedChecksumIsOfTheCompressedBytesAsSent()
    {
        var compressed = await File.ReadAllBytesAsync(portal.Disks.PathOf("xz"));
        var (client, id) = await ApiImageAsync("checked-xz", "qcow2");
        var (wrongClient, wrongId) = await ApiImageAsync("checked-xz-wrong", "qcow2");
        var ofTheDisk = Hash(ChecksumAlgorithm.Sha256, portal.Disks.Bytes);

        using var right = await PutAsync(client, id, new ByteArrayContent(compressed), "sha256:" + Hash(ChecksumAlgorithm.Sha256, compressed), decompress: true);
        using var wrong = await PutAsync(wrongClient, wrongId, new ByteArrayContent(compressed), ofTheDisk, decompress: true);

        Assert.Equal(HttpStatusCode.NoContent, right.StatusCode);
        Assert.Equal(portal.Disks.Md5, (await portal.ImageAsync(id)).Checksum);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal($"The data's SHA-256 is {Hash(ChecksumAlgorithm.Sha256, compressed)}, not the expected {ofTheDisk}.",
            (await portal.ImageAsync(wrongId)).StatusReason);
        await AssertNothingKeptAsync(wrongId);
    }

    [Fact]
    public async Task CompressionBombStopsAtTheSizeCapAndNothingIsKept()
    {
        var (client, id) = await ApiImageAsync("bomb");
        await using var file = File.OpenRead(portal.Disks.Bomb);

        using var response = await PutAsync(client, id, new StreamContent(file), decompress: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var stored = await portal.ImageAsync(id);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.StartsWith("Decompressed, this image is", stored.StatusReason);
        Assert.Contains($"the largest image accepted is {Portal.Formatting.Format.Bytes(CompressionPortal.MaxImageSize)}", stored.StatusReason);
        await AssertNothingKeptAsync(id);
    }

    [Fact]
    public async Task DamagedCompressedDataIsRefusedWithItsReason()
    {
        var damaged = await File.ReadAllBytesAsync(portal.Disks.PathOf("gzip"));
        damaged.AsSpan(damaged.Length / 2, 4096).Fill(0x55);
        var (client, id) = await ApiImageAsync("damaged", "qcow2");

        using var response = await PutAsync(client, id, new ByteArrayContent(damaged), decompress: true);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("The data is not valid gzip-compressed data", (await portal.ImageAsync(id)).StatusReason);
        await AssertNothingKeptAsync(id);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task WebDownloadOfACompressedFileStoresTheDecompressedDisk(string tool)
    {
        var compressed = await File.ReadAllBytesAsync(portal.Disks.PathOf(tool));
        var url = portal.ImageServer.Serve($"disk-{tool}{CompressedDisks.SuffixOf(tool)}", portal.Disks.PathOf(tool));
        var (client, id) = await ApiImageAsync($"imported-{tool}", "qcow2");

        using var response = await client.PostAsJsonAsync($"/image/v2/images/{id:D}/import", new
        {
            method = new { name = "web-download", uri = url, expected_checksum = Hash(ChecksumAlgorithm.Sha512, compressed) },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await portal.WaitForStatusAsync(id, ImageStatus.Active);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(portal.Disks.Bytes.Length, stored.Size);
        Assert.Equal(portal.Disks.Md5, stored.Checksum);
        Assert.Equal(portal.Disks.Sha512, stored.OsHashValue);
        Assert.StartsWith("qcow2", stored.DetectedFormat);
    }

    [Fact]
    public async Task FormImportFromAUrlIsDecompressedAndCheckedToo()
    {
        var url = portal.ImageServer.Serve("form.qcow2.zst", portal.Disks.PathOf("zstd"));
        var caller = await portal.CallerAsync(Alice);
        var image = await portal.Services.GetRequiredService<ImageService>().CreateAsync(caller, new CreateImageRequest
        {
            Name = "form-import",
            Source = ImageSource.Url,
            ImageUrl = url,
            DiskFormat = DiskFormat.Qcow2,
            ExpectedChecksum = "md5:" + Hash(ChecksumAlgorithm.Md5, await File.ReadAllBytesAsync(portal.Disks.PathOf("zstd"))),
        });

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);

        Assert.Equal(portal.Disks.Sha512, stored.OsHashValue);
    }

    [Fact]
    public async Task WebDownloadWhoseDataHasAnotherChecksumGoesBackToQueuedWithTheReason()
    {
        var url = portal.ImageServer.Serve("plain.qcow2", portal.Disks.Qcow2);
        var (client, id) = await ApiImageAsync("imported-wrong", "qcow2");
        var expected = new string('0', 64);

        using var response = await client.PostAsJsonAsync($"/image/v2/images/{id:D}/import",
            new { method = new { name = "web-download", uri = url, expected_checksum = expected } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await portal.WaitForStatusAsync(id, ImageStatus.Queued);
        var sentence = $"The data's SHA-256 is {Hash(ChecksumAlgorithm.Sha256, portal.Disks.Bytes)}, not the expected {expected}.";
        Assert.Equal(sentence, stored.StatusReason);
        await AssertNothingKeptAsync(id);
        var failed = (await ActivityAsync(id))[0];
        Assert.Equal(ImageActivityKind.ImportFailed, failed.Kind);
        Assert.Equal(sentence, failed.Detail);
    }

    [Fact]
    public async Task WebDownloadWithAMalformedChecksumIsRefused()
    {
        var (client, id) = await ApiImageAsync("imported-malformed");

        using var response = await client.PostAsJsonAsync($"/image/v2/images/{id:D}/import",
            new { method = new { name = "web-download", uri = portal.ImageServer.Url("/file"), expected_checksum = "sha3:00" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("“sha3” is not a checksum algorithm the portal knows", await response.Content.ReadAsStringAsync());
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(id)).Status);
    }
}
