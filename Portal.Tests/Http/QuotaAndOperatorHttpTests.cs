using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>Every account may keep 30 MB (3 × 10^7 bytes) of private images.</summary>
public sealed class QuotaPortal : KestrelPortal
{
    public QuotaPortal() => With("Portal:Storage:DefaultQuotaGb", "0.03");
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class QuotaAndOperatorHttpTests(QuotaPortal portal) : IClassFixture<QuotaPortal>
{
    private const long Quota = 30_000_000;

    private async Task<long> StoredAsync(string email) =>
        await portal.Services.GetRequiredService<StorageQuota>().StoredBytesAsync((await portal.CallerAsync(email)).AccountId, CancellationToken.None);

    [Fact]
    public async Task UploadFillingTheQuotaExactlyIsAcceptedAndOneByteMoreIsRefused()
    {
        using var client = await portal.SignedInHttpClientAsync("bob@demo.local");
        var room = Quota - await StoredAsync("bob@demo.local");
        var (tooMuch, tooMuchToken) = await portal.NewQueuedImageAsync("bob@demo.local", "one-byte-too-many");
        var (exact, exactToken) = await portal.NewQueuedImageAsync("bob@demo.local", "exactly-full");

        using (var refused = await client.SendAsync(KestrelPortal.UploadRequest(tooMuch.Id, tooMuchToken, new GeneratedContent(room + 1))))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        }

        using (var accepted = await client.SendAsync(KestrelPortal.UploadRequest(exact.Id, exactToken, new GeneratedContent(room))))
        {
            Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        }

        Assert.Equal(Quota, await StoredAsync("bob@demo.local"));
        var stored = await portal.ImageAsync(tooMuch.Id);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Equal("This upload would take your private images to 30 MB; your quota is 30 MB.", stored.StatusReason);

        // Deleting keeps the data (and its room) in Recently deleted; deleting it permanently frees the room again.
        var images = portal.Services.GetRequiredService<ImageService>();
        var bob = await portal.CallerAsync("bob@demo.local");
        await images.DeleteAsync(bob, exact.Id);
        Assert.Equal(Quota, await StoredAsync("bob@demo.local"));
        await images.DeletePermanentlyAsync(bob, exact.Id);
        Assert.Equal(Quota - room, await StoredAsync("bob@demo.local"));
    }

    [Fact]
    public async Task UploadOfUnknownLengthIsStoppedMidStreamAtTheQuota()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "grows-too-big");
        using var content = new GeneratedContent(64L << 20);

        try
        {
            using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ChunkedContent(content)));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending.
        }

        var stored = await portal.WaitForAsync(image.Id, i => i.StatusReason is not null);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Matches(@"^This upload would take your private images to [\d.]+ MB; your quota is 30 MB\.$", stored.StatusReason);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    [Fact]
    public async Task TwoParallelUploadsCannotBothSqueezeUnderTheQuota()
    {
        using var client = await portal.SignedInHttpClientAsync("operator@demo.local");
        var room = Quota - await StoredAsync("operator@demo.local");
        var half = room / 2 + 1_000_000;
        var (first, firstToken) = await portal.NewQueuedImageAsync("operator@demo.local", "first-half");
        var (second, secondToken) = await portal.NewQueuedImageAsync("operator@demo.local", "second-half");
        var hold = new TaskCompletionSource();
        using var firstContent = new GeneratedContent(half, hold);

        var firstUpload = client.SendAsync(KestrelPortal.UploadRequest(first.Id, firstToken, firstContent));
        var account = (await portal.CallerAsync("operator@demo.local")).AccountId;
        await Eventually.TrueAsync(async () => await portal.Services.GetRequiredService<StorageQuota>().InFlightBytesAsync(account) >= half);
        using (var secondResponse = await client.SendAsync(KestrelPortal.UploadRequest(second.Id, secondToken, new GeneratedContent(half))))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, secondResponse.StatusCode);
            Assert.Contains("your quota is 30 MB", await secondResponse.Content.ReadAsStringAsync());
        }

        hold.SetResult();
        using (var firstResponse = await firstUpload)
        {
            Assert.Equal(HttpStatusCode.NoContent, firstResponse.StatusCode);
        }

        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(second.Id)).Status);
    }

    [Fact]
    public async Task CustomerIsSentAwayFromTheQuotaPage()
    {
        using var alice = await portal.SignedInHttpClientAsync("alice@demo.local");

        using var response = await alice.GetAsync("/compute/quotas");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task OperatorOpensTheQuotaPage()
    {
        using var op = await portal.SignedInHttpClientAsync("operator@demo.local");

        using var response = await op.GetAsync("/compute/quotas");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Storage quotas", html);
        Assert.Contains("alice-project", html);
    }

    [Fact]
    public async Task CustomerCannotUploadIntoAPublicImage()
    {
        var op = await portal.CallerAsync("operator@demo.local");
        var images = portal.Services.GetRequiredService<ImageService>();
        var publicImage = await images.CreateAsync(op, new CreateImageRequest
        {
            Name = "Catalog image", FileName = "c.raw", FileSize = 10, DiskFormat = DiskFormat.Raw, Visibility = ImageVisibility.Public,
        });
        var alice = await portal.CallerAsync("alice@demo.local");
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var token = portal.Services.GetRequiredService<UploadTokens>().Issue(publicImage.Id, alice);

        using var response = await client.SendAsync(KestrelPortal.UploadRequest(publicImage.Id, token, new ByteArrayContent(new byte[512])));

        // A public image that is not active yet is not in the customer's catalog: it does not exist for them.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(publicImage.Id)).Status);
    }

    [Fact]
    public async Task CustomersDoNotSeeDeactivatedPublicImages()
    {
        var op = await portal.CallerAsync("operator@demo.local");
        var alice = await portal.CallerAsync("alice@demo.local");
        var images = portal.Services.GetRequiredService<ImageService>();
        var debian = await portal.FindImageAsync("Debian 12");

        await images.DeactivateAsync(op, debian.Id);
        var customerView = await images.ListAsync(alice, new ImageQuery { Scope = ImageScope.Public, PageSize = 100 });
        var operatorView = await images.ListAsync(op, new ImageQuery { Scope = ImageScope.Public, PageSize = 100 });
        await Assert.ThrowsAsync<ImageNotFoundException>(() => images.ReactivateAsync(alice, debian.Id));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => images.GetAsync(alice, debian.Id));
        await images.ReactivateAsync(op, debian.Id);

        Assert.DoesNotContain(customerView.Items, i => i.Id == debian.Id);
        Assert.Contains(operatorView.Items, i => i.Id == debian.Id && i.Status == ImageStatus.Deactivated);
        Assert.Contains((await images.ListAsync(alice, new ImageQuery { Scope = ImageScope.Public, PageSize = 100 })).Items, i => i.Id == debian.Id);
    }
}
