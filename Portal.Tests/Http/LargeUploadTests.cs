using System.Net;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(HeavyTests.Name)]
public sealed class LargeUploadTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    [Fact]
    public async Task UploadLargerThan4GiBKeepsExactSizeAndHashes()
    {
        using var client = await portal.SignedInHttpClientAsync("bob@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("bob@demo.local", "over-4-gib");
        var length = (4L << 30) + (9L << 20) + 123;
        using var content = new GeneratedContent(length);

        using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(image.Id);
        Assert.Equal(length, stored.Size);
        Assert.Equal(content.Md5, stored.Checksum);
        Assert.Equal(content.Sha512, stored.OsHashValue);
        var file = new FileInfo(Path.Combine(portal.ImagesFolder, image.Id.ToString()));
        Assert.Equal(length, file.Length);

        // The marker written at 4 GiB (past any 32-bit offset) landed where it belongs.
        await using var read = file.OpenRead();
        read.Position = 4L << 30;
        var marker = new byte[9];
        await read.ReadExactlyAsync(marker);
        Assert.Equal(4L << 30, BitConverter.ToInt64(marker));
        Assert.Equal(0x5A, marker[8]);
    }
}
