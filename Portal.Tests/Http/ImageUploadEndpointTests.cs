using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

public sealed class UploadPortal : KestrelPortal
{
    public const long MaxImageSize = 48L << 20;

    public UploadPortal() => With("Portal:Images:MaxImageSizeBytes", MaxImageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageUploadEndpointTests(UploadPortal portal) : IClassFixture<UploadPortal>
{
    [Fact]
    public async Task StreamedUploadStoresTheBytesWithTheirSizeMd5AndSha512()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "uploaded");
        var data = RandomNumberGenerator.GetBytes(10 << 20);

        using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(data)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(image.Id);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(data.Length, stored.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), stored.Checksum);
        Assert.Equal("sha512", stored.OsHashAlgo);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), stored.OsHashValue);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
        Assert.Empty(portal.IncomingFiles);
    }

    [Fact]
    public async Task ChunkedUploadOfUnknownLengthWorksToo()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "chunked");
        using var content = new GeneratedContent(20L << 20);

        using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ChunkedContent(content)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(image.Id);
        Assert.Equal((content.Length, content.Md5, content.Sha512), (stored.Size!.Value, stored.Checksum, stored.OsHashValue));
    }

    [Fact]
    public async Task OverSizeUploadIsRefusedMidStreamAndLeavesNothing()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "too-big");
        using var content = new GeneratedContent(UploadPortal.MaxImageSize + (64L << 20));

        // Chunked: the server cannot refuse from a Content-Length, it must stop while the bytes arrive.
        HttpStatusCode? status = null;
        try
        {
            using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ChunkedContent(content)));
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending; the image tells the outcome.
        }

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"Unexpected {status}");
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Contains("largest image accepted", stored.StatusReason);
        Assert.Null(stored.Size);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    [Fact]
    public async Task DeclaredOverSizeIsRefusedBeforeReading()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "declared-too-big");
        using var content = new GeneratedContent(UploadPortal.MaxImageSize + 1);

        using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("too_large", problem.RootElement.GetProperty("error").GetProperty("reason").GetString());
        Assert.Contains("largest image accepted", problem.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(image.Id)).Status);
    }

    [Fact]
    public async Task AbortedUploadLeavesNoTemporaryFileAndTheImageQueuedForARetry()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "aborted");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(40L << 20, hold);
        using var abort = new CancellationTokenSource();

        var upload = client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content), abort.Token);
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ImageStatus.Saving, (await portal.WaitForStatusAsync(image.Id, ImageStatus.Saving)).Status);
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Contains("stopped before it finished", stored.StatusReason);
        Assert.Empty(await portal.IncomingFilesSettledAsync());
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));

        // The customer can simply upload again.
        var data = RandomNumberGenerator.GetBytes(1 << 20);
        using var retry = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(data)));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(image.Id)).Status);
    }

    [Fact]
    public async Task AnotherAccountsImageIsNotFound()
    {
        using var bob = await portal.SignedInHttpClientAsync("bob@demo.local");
        var (alicesImage, _) = await portal.NewQueuedImageAsync("alice@demo.local", "alice-only");
        var bobCaller = await portal.CallerAsync("bob@demo.local");
        var bobsToken = portal.Services.GetRequiredService<Portal.Images.Transfer.UploadTokens>().Issue(alicesImage.Id, bobCaller);

        using var response = await bob.SendAsync(KestrelPortal.UploadRequest(alicesImage.Id, bobsToken, new ByteArrayContent(new byte[1024])));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(alicesImage.Id)).Status);
    }

    [Fact]
    public async Task SecondUploadToAnActiveImageIsRefused()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "write-once");
        var first = RandomNumberGenerator.GetBytes(4096);
        using (var ok = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(first))))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        using var again = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(new byte[4096])));

        // One refusal, in the body Glance answers with and OpenStack's clients read.
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/json", again.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        var error = problem.RootElement.GetProperty("error");
        Assert.Equal(409, error.GetProperty("code").GetInt32());
        Assert.Equal("Conflict", error.GetProperty("title").GetString());
        Assert.Equal("invalid_state", error.GetProperty("reason").GetString());
        Assert.Equal(ImagePolicy.ActiveDataIsReadOnly, error.GetProperty("message").GetString());
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }

    [Fact]
    public async Task UploadWithoutAValidTokenIsForbidden()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "no-token");
        var (other, otherToken) = await portal.NewQueuedImageAsync("alice@demo.local", "other");

        using var missing = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(new byte[16])));
        using var forged = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, "not-a-token", new ByteArrayContent(new byte[16])));
        using var forAnotherImage = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, otherToken, new ByteArrayContent(new byte[16])));

        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forAnotherImage.StatusCode);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(image.Id)).Status);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(other.Id)).Status);
    }

    [Fact]
    public async Task SignedOutUploadGets401NotARedirect()
    {
        using var anonymous = new HttpClient { BaseAddress = portal.BaseAddress };
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "anonymous");

        using var response = await anonymous.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(new byte[16])));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(Portal.Identity.ApiTokenService.AuthenticationRequired, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task UploadMustBeOctetStream()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "form");
        var request = KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(new byte[16]));
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("multipart/form-data");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(Portal.Images.Transfer.ImageUploadEndpoints.OctetStreamOnly, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task DeletingAnImageWhileItUploadsStopsTheUploadAndLeavesNoFile()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "deleted-mid-upload");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(40L << 20, hold);
        var upload = client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Saving);

        await portal.Services.GetRequiredService<ImageService>().DeleteAsync(await portal.CallerAsync("alice@demo.local"), image.Id);
        hold.SetResult();
        try
        {
            using var response = await upload;
            Assert.NotEqual(HttpStatusCode.NoContent, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection instead of answering.
        }

        Assert.Equal(ImageStatus.Deleted, (await portal.ImageAsync(image.Id)).Status);
        Assert.Empty(await portal.IncomingFilesSettledAsync());
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }
}
