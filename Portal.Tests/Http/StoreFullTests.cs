using System.Net;
using System.Text.Json;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The images folder on a 64 MB tmpfs, of which the portal keeps 40 MB free.</summary>
public sealed class SmallStorePortal : KestrelPortal
{
    private readonly SmallFileSystem _images;

    public SmallStorePortal()
    {
        _images = SmallFileSystem.Mount(Path.Combine(DataFolder, "images"), 64);
        With("Portal:Storage:FreeSpaceReserveGb", "0.04");
    }

    protected override void Dispose(bool disposing)
    {
        // Stop the server first, then unmount, then let the base remove the data folder.
        base.Dispose(disposing);
        if (disposing)
        {
            _images.Dispose();
            if (Directory.Exists(DataFolder))
            {
                Directory.Delete(DataFolder, recursive: true);
            }
        }
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class StoreFullTests(SmallStorePortal portal) : IClassFixture<SmallStorePortal>
{
    [Fact]
    public void TheStoreReportsTheFreeSpaceOfItsFileSystem()
    {
        var store = new LocalDiskImageStore(portal.ImagesFolder);

        Assert.InRange(store.AvailableBytes!.Value, 48_000_000, 64L << 20);
    }

    [Fact]
    public async Task UploadWhoseAnnouncedSizeDoesNotFitAboveTheReserveIsRefusedAtOnce()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "does-not-fit");
        using var content = new GeneratedContent(40L << 20);

        HttpStatusCode? status = null;
        string? detail = null;
        try
        {
            using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));
            status = response.StatusCode;
            detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending; the image tells the outcome.
        }

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.True(status is null || (status == HttpStatusCode.InsufficientStorage && detail == stored.StatusReason), $"Unexpected {status}: {detail}");
        Assert.StartsWith("The image store is full", stored.StatusReason);
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    [Fact]
    public async Task UploadOfUnknownSizeStopsCleanlyWhenTheReserveIsReachedAndAnotherStillFits()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "fills-the-store");
        // Random bytes: zeros would be stored sparse and take no room.
        using var content = new ByteArrayContent(System.Security.Cryptography.RandomNumberGenerator.GetBytes(50 << 20));

        try
        {
            using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ChunkedContent(content)));
            Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending; the image tells the outcome.
        }

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.StartsWith("The image store is full", stored.StatusReason);
        Assert.Empty(await portal.IncomingFilesSettledAsync());
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));

        // The partial file is gone, so the room is back: a small image still fits.
        var (small, smallToken) = await portal.NewQueuedImageAsync("alice@demo.local", "still-fits");
        using var ok = await client.SendAsync(KestrelPortal.UploadRequest(small.Id, smallToken, new ByteArrayContent(new byte[1 << 20])));
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
    }
}
