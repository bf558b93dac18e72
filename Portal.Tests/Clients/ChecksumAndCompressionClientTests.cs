using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// Expected checksum and compressed sources from Debian's <c>openstack</c> and <c>glance</c> clients, which cannot send
/// the upload's headers: they say it with the image properties <c>os_portal_expected_checksum</c> and
/// <c>os_portal_decompress</c>. Disks by qemu-img, compressed by Debian's gzip, xz and zstd.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ChecksumAndCompressionClientTests(ClientImportPortal portal, CompressedDisks disks)
    : IClassFixture<ClientImportPortal>, IClassFixture<CompressedDisks>
{
    private const string Alice = "alice@demo.local";

    private static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Sha512Of(string path) => Convert.ToHexStringLower(SHA512.HashData(File.ReadAllBytes(path)));

    private async Task<Image?> ImageNamedAsync(string name)
    {
        var factory = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Images.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(i => i.Name == name);
    }

    [Fact]
    public async Task OpenStackImageCreateWithTheWrongExpectedChecksumFailsWithThePortalsSentenceAndKeepsNoData()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var disk = cli.MakeQcow2("disk.qcow2", seed: 31);
        var wrong = Convert.ToHexStringLower(SHA256.HashData("not the disk"u8));
        var sentence = $"The data's SHA-256 is {Sha256Of(disk)}, not the expected {wrong}.";

        var refused = await cli.TryOpenStackAsync("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.ExpectedChecksumKey}=sha256:{wrong}", "--file", disk, "cli-wrong-checksum");

        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains(sentence, refused.Error);

        // openstacksdk deletes an image whose upload failed; whatever is left of it holds no data.
        var image = await ImageNamedAsync("cli-wrong-checksum");
        Assert.NotNull(image);
        Assert.Null(image.Checksum);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }

    [Fact]
    public async Task GlanceImageCreateWithTheWrongExpectedChecksumLeavesTheImageQueuedWithTheReason()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var (imageUrl, token) = await GlanceSignInAsync(cli);
        var disk = cli.MakeQcow2("disk.qcow2", seed: 32);
        var wrong = Convert.ToHexStringLower(SHA512.HashData("not the disk"u8));
        var sentence = $"The data's SHA-512 is {Sha512Of(disk)}, not the expected {wrong}.";

        var refused = await cli.TryGlanceAsync(imageUrl, token, "image-create", "--name", "glance-wrong-checksum",
            "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.ExpectedChecksumKey}={wrong}", "--file", "disk.qcow2");

        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains(sentence, refused.Error);
        var image = await ImageNamedAsync("glance-wrong-checksum");
        Assert.NotNull(image);
        Assert.Equal(ImageStatus.Queued, image.Status);
        Assert.Equal(sentence, image.StatusReason);
        Assert.Null(image.Checksum);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
        Assert.Equal($"sha512:{wrong}", image.ExpectedDataChecksum);
    }

    [Fact]
    public async Task TheRightExpectedChecksumFromEitherClientEndsActive()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var (imageUrl, token) = await GlanceSignInAsync(cli);
        var disk = cli.MakeQcow2("disk.qcow2", seed: 33);
        var md5 = Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(disk)));

        var created = await cli.OpenStackJsonAsync("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.ExpectedChecksumKey}=sha256:{Sha256Of(disk)}", "--file", disk, "cli-right-checksum");
        var fromGlance = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token, "image-create", "--name", "glance-right-checksum",
            "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.ExpectedChecksumKey}=md5:{md5}", "--file", "disk.qcow2"));

        foreach (var id in new[] { Guid.Parse(created.GetProperty("id").GetString()!), Guid.Parse(fromGlance["id"]) })
        {
            var image = await portal.WaitForStatusAsync(id, ImageStatus.Active);
            Assert.Equal(ImageStatus.Active, image.Status);
            Assert.Equal(md5, image.Checksum);
        }

        var shown = await cli.OpenStackJsonAsync("image", "show", "cli-right-checksum");
        Assert.Contains($"sha256:{Sha256Of(disk)}", shown.GetProperty("properties").ToString());
    }

    [Fact]
    public async Task OpenStackImageSetAndUnsetChangeThemWhileQueuedAndAreRefusedOnceActive()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var id = (await portal.Services.GetRequiredService<ImageService>().CreateAsync(await portal.CallerAsync(Alice),
            new CreateImageRequest { Name = "cli-set", Source = ImageSource.Later, DiskFormat = DiskFormat.Qcow2 })).Id;
        var digest = new string('c', 64);

        await cli.OpenStackAsync("image", "set", "--property", $"{ImageProperties.ExpectedChecksumKey}={digest}",
            "--property", $"{ImageProperties.DecompressKey}=true", id.ToString());
        var set = await portal.ImageAsync(id);
        await cli.OpenStackAsync("image", "unset", "--property", ImageProperties.ExpectedChecksumKey, id.ToString());
        var unset = await portal.ImageAsync(id);

        Assert.Equal(($"sha256:{digest}", true), (set.ExpectedDataChecksum, set.DecompressData));
        Assert.Equal((null, true), (unset.ExpectedDataChecksum, unset.DecompressData));
        Assert.Empty(unset.Properties);

        await cli.OpenStackAsync("image", "set", "--property", $"{ImageProperties.DecompressKey}=false", id.ToString());
        using (var http = portal.ApiClient((await portal.ApiTokenAsync(Alice)).Token))
        using (var upload = KestrelPortal.UploadRequest(id, token: null, new ByteArrayContent(File.ReadAllBytes(cli.MakeQcow2("disk.qcow2", seed: 34)))))
        using (var uploaded = await http.SendAsync(upload))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, uploaded.StatusCode);
        }

        var refused = await cli.TryOpenStackAsync("image", "set", "--property", $"{ImageProperties.ExpectedChecksumKey}={digest}", id.ToString());
        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains(ImagePolicy.ExpectDataOnlyWhenQueued, refused.Error);
    }

    [Fact]
    public async Task OpenStackImageCreateWithDecompressStoresTheDecompressedQcow2()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);

        var created = await cli.OpenStackJsonAsync("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.DecompressKey}=true", "--file", disks.PathOf("xz"), "cli-decompressed-xz");

        await AssertTheDecompressedDiskAsync(Guid.Parse(created.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task GlanceImageCreateWithDecompressStoresTheDecompressedQcow2()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var (imageUrl, token) = await GlanceSignInAsync(cli);

        var created = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token, "image-create", "--name", "glance-decompressed-gz",
            "--disk-format", "qcow2", "--container-format", "bare",
            "--property", $"{ImageProperties.DecompressKey}=true", "--file", disks.PathOf("gzip")));

        await AssertTheDecompressedDiskAsync(Guid.Parse(created["id"]));
    }

    [Fact]
    public async Task GlanceWebDownloadOfAZstdFileEndsActiveDecompressed()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, Alice);
        var (imageUrl, token) = await GlanceSignInAsync(cli);
        File.Copy(disks.PathOf("zstd"), Path.Combine(portal.Files.Folder, "disk.qcow2.zst"), overwrite: true);

        var imported = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token,
            "image-create-via-import", "--name", "glance-import-zst", "--disk-format", "qcow2", "--container-format", "bare",
            "--import-method", "web-download", "--uri", portal.Files.Url("disk.qcow2.zst")));

        await AssertTheDecompressedDiskAsync(Guid.Parse(imported["id"]));
    }

    private async Task AssertTheDecompressedDiskAsync(Guid id)
    {
        var image = await portal.WaitForStatusAsync(id, ImageStatus.Active, TimeSpan.FromSeconds(60));
        Assert.True(image.Status == ImageStatus.Active, $"The image ended {image.Status}: {image.StatusReason}");
        Assert.Equal(disks.Bytes.LongLength, image.Size);
        Assert.Equal(disks.Md5, image.Checksum);
        Assert.Equal(disks.Sha512, image.OsHashValue);
        Assert.StartsWith("qcow2", image.DetectedFormat);
    }

    private static async Task<(string ImageUrl, string Token)> GlanceSignInAsync(OpenStackCli cli)
    {
        var token = (await cli.OpenStackAsync("token", "issue", "-f", "value", "-c", "id")).Trim();
        var image = await cli.OpenStackJsonAsync("catalog", "show", "image");
        var url = image.GetProperty("endpoints").EnumerateArray()
            .Single(e => e.GetProperty("interface").GetString() == "public").GetProperty("url").GetString()!;
        return (url, token);
    }
}
