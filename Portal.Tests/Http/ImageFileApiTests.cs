using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;
using Portal.Identity;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>
/// <c>PUT</c>/<c>GET /image/v2/images/{id}/file</c> over real HTTP, by token (as OpenStack tools) and by cookie (as the
/// browser): Glance's status codes, headers and error bodies.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageFileApiTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private const int ImageBytes = 5 << 20;

    private static JsonElement Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error");

    private async Task<(Image Image, byte[] Bytes, string Md5)> ActiveImageAsync(string email, string name)
    {
        var (_, token) = await portal.ApiTokenAsync(email);
        using var api = portal.ApiClient(token);
        var (image, _) = await portal.NewQueuedImageAsync(email, name);
        var content = new GeneratedContent(ImageBytes);
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, content));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        return (stored, await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, image.Id.ToString())), content.Md5);
    }

    /// <summary>Glance's Content-MD5 is the hex checksum, not RFC 1864's base64: read it as sent.</summary>
    private static string ContentMd5(HttpResponseMessage response) =>
        response.Content.Headers.NonValidated[ImageDownloadEndpoints.ContentMd5Header].ToString();

    private static HttpRequestMessage Get(Guid id, string? range = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ImageDownloadEndpoints.DownloadPath(id));
        if (range is not null)
        {
            request.Headers.Range = RangeHeaderValue.Parse(range);
        }

        return request;
    }

    [Fact]
    public async Task AnUploadByTokenNeedsNoUploadTokenAndTheImageBecomesActive()
    {
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "by-token");
        var content = new GeneratedContent(1 << 20);

        using var response = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, content));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        Assert.Equal(content.Md5, stored.Checksum);
    }

    [Fact]
    public async Task AnUploadByCookieWithoutThePagesUploadTokenIsRefusedInGlancesShape()
    {
        using var browser = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "cookie-no-token");

        using var response = await browser.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(new byte[16])));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = Error(await response.Content.ReadAsStringAsync());
        Assert.Equal(403, error.GetProperty("code").GetInt32());
        Assert.Equal(ImageUploadEndpoints.UploadLinkInvalid, error.GetProperty("message").GetString());
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(image.Id)).Status);
    }

    [Fact]
    public async Task AnUploadToAnActiveImageByTokenIsAConflict()
    {
        var (image, _, _) = await ActiveImageAsync("alice@demo.local", "twice");
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);

        using var response = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(new byte[16])));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(ImagePolicy.ActiveDataIsReadOnly, Error(await response.Content.ReadAsStringAsync()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task ADownloadByTokenGivesTheSameBytesWithGlancesHeaders()
    {
        var (image, bytes, md5) = await ActiveImageAsync("alice@demo.local", "Nightly build (amd64)");
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);

        using var response = await api.SendAsync(Get(image.Id), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = Convert.ToHexStringLower(await MD5.HashDataAsync(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(md5, received);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), md5);
        Assert.Equal(md5, ContentMd5(response));
        Assert.Equal($"\"{md5}\"", response.Headers.ETag?.Tag);
        Assert.Equal(ImageBytes, response.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("Nightly-build-amd64.raw", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    [Fact]
    public async Task ADownloadBySignInCookieGivesTheSameBytes()
    {
        var (image, bytes, _) = await ActiveImageAsync("alice@demo.local", "by-cookie");
        using var browser = await portal.SignedInHttpClientAsync("alice@demo.local");

        using var response = await browser.SendAsync(Get(image.Id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SingleRangesAnswerPartialContentAndAnUnsatisfiableOne416()
    {
        var (image, bytes, md5) = await ActiveImageAsync("alice@demo.local", "ranges");
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);

        async Task Partial(string range, int from, int to)
        {
            using var response = await api.SendAsync(Get(image.Id, range));
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal($"bytes {from}-{to}/{bytes.Length}", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal(to - from + 1, response.Content.Headers.ContentLength);
            Assert.Equal(bytes[from..(to + 1)], await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(md5, ContentMd5(response));
        }

        await Partial("bytes=0-99", 0, 99);
        await Partial("bytes=1048576-3145727", 1048576, 3145727);
        await Partial("bytes=-500", bytes.Length - 500, bytes.Length - 1);
        await Partial($"bytes={bytes.Length - 10}-{bytes.Length + 1000}", bytes.Length - 10, bytes.Length - 1);

        using var unsatisfiable = await api.SendAsync(Get(image.Id, $"bytes={bytes.Length}-"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal($"bytes */{bytes.Length}", unsatisfiable.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task HeadGivesTheHeadersWithoutTheBody()
    {
        var (image, _, md5) = await ActiveImageAsync("alice@demo.local", "head");
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);

        using var response = await api.SendAsync(new HttpRequestMessage(HttpMethod.Head, ImageDownloadEndpoints.DownloadPath(image.Id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ImageBytes, response.Content.Headers.ContentLength);
        Assert.Equal(md5, ContentMd5(response));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnImageWithoutDataAnswersNoContent()
    {
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "empty");
        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);

        using var response = await api.SendAsync(Get(image.Id));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnotherAccountsImageIsNotFoundExactlyLikeAMissingId()
    {
        var (image, _, _) = await ActiveImageAsync("alice@demo.local", "alices");
        var (_, bobsToken) = await portal.ApiTokenAsync("bob@demo.local");
        using var bob = portal.ApiClient(bobsToken);

        using var others = await bob.SendAsync(Get(image.Id));
        using var missing = await bob.SendAsync(Get(Guid.NewGuid()));
        using var othersUpload = await bob.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(new byte[16])));

        Assert.Equal(HttpStatusCode.NotFound, others.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, othersUpload.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(), await others.Content.ReadAsStringAsync());
        Assert.Equal(404, Error(await others.Content.ReadAsStringAsync()).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ADeactivatedImageIsForTheOperatorOnly()
    {
        // The operator's own image, seen by a customer who works in the platform account, and by other customers not at all.
        var (image, bytes, _) = await ActiveImageAsync("operator@demo.local", "withdrawn");
        var op = await portal.CallerAsync("operator@demo.local");
        await portal.Services.GetRequiredService<ImageService>().DeactivateAsync(op, image.Id);
        var colleague = await PlatformCustomerAsync();
        var (_, operatorToken) = await portal.ApiTokenAsync("operator@demo.local");
        var (_, colleagueToken) = await portal.ApiTokenAsync(colleague);
        var (_, aliceToken) = await portal.ApiTokenAsync("alice@demo.local");
        using var operatorApi = portal.ApiClient(operatorToken);
        using var colleagueApi = portal.ApiClient(colleagueToken);
        using var aliceApi = portal.ApiClient(aliceToken);

        using var byOperator = await operatorApi.SendAsync(Get(image.Id));
        using var byColleague = await colleagueApi.SendAsync(Get(image.Id));
        using var byAlice = await aliceApi.SendAsync(Get(image.Id));

        Assert.Equal(HttpStatusCode.OK, byOperator.StatusCode);
        Assert.Equal(bytes, await byOperator.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Forbidden, byColleague.StatusCode);
        Assert.Equal("The requested image has been deactivated. Image data download is forbidden.",
            Error(await byColleague.Content.ReadAsStringAsync()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, byAlice.StatusCode);
    }

    [Fact]
    public async Task ATruncatedImageFoundAtStartIsRefusedInTheOpenStackShapeAndFlaggedInItsJson()
    {
        var (image, _, _) = await ActiveImageAsync("alice@demo.local", "truncated");
        File.WriteAllBytes(Path.Combine(portal.ImagesFolder, image.Id.ToString()), new byte[100]);
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            // What start-up reconciliation does for every stored image, for this one only: the other tests' images are not touched.
            var stored = await db.Images.SingleAsync(i => i.Id == image.Id);
            await InterruptedTransfers.CheckStoredDataAsync(stored, portal.Services.GetRequiredService<IImageStore>(), DateTime.UtcNow, CancellationToken.None);
            await db.SaveChangesAsync();
        }

        var (_, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var api = portal.ApiClient(token);
        using var download = await api.SendAsync(Get(image.Id));
        using var shown = await api.GetAsync($"/image/v2/images/{image.Id}");

        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        var error = Error(await download.Content.ReadAsStringAsync());
        Assert.Equal(409, error.GetProperty("code").GetInt32());
        Assert.Equal(ImagePolicy.IntegrityRefusal(ImageIntegrity.WrongSize), error.GetProperty("message").GetString());
        Assert.Equal("wrong_size", JsonDocument.Parse(await shown.Content.ReadAsStringAsync()).RootElement.GetProperty("os_portal_integrity").GetString());
    }

    [Fact]
    public async Task WithoutTokenOrCookieBothRoutesAnswer401InTheOpenStackShapeNotARedirect()
    {
        var (image, _) = await portal.NewQueuedImageAsync("alice@demo.local", "anonymous");
        using var anonymous = portal.ApiClient(null);
        using var forged = portal.ApiClient("not-a-token");

        foreach (var client in new[] { anonymous, forged })
        {
            using var download = await client.SendAsync(Get(image.Id));
            using var upload = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(new byte[16])));
            foreach (var response in new[] { download, upload })
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                var error = Error(await response.Content.ReadAsStringAsync());
                Assert.Equal(401, error.GetProperty("code").GetInt32());
                Assert.Equal(ApiTokenService.AuthenticationRequired, error.GetProperty("message").GetString());
            }
        }
    }

    private async Task<string> PlatformCustomerAsync()
    {
        var email = $"colleague-{Guid.NewGuid():N}@demo.local";
        var op = await portal.CallerAsync("operator@demo.local");
        await using var scope = portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var created = await users.CreateAsync(new PortalUser { UserName = email, Email = email, EmailConfirmed = true, AccountId = op.AccountId }, "Demo-pass-1");
        Assert.True(created.Succeeded);
        return email;
    }
}
