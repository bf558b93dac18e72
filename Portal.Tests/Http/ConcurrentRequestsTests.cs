using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Images;
using Portal.Images.Api;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>
/// The races of <see cref="Images.ConcurrentChangeTests"/> as OpenStack tools run them, over real HTTP: the winner gets
/// Glance's success, the loser Glance's error status with a body its clients print.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ConcurrentRequestsTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private const int Rounds = 8;
    private const string Alice = "alice@demo.local";

    /// <summary>The OpenStack error body, <c>{"error": {"code", "title", "message"}}</c>; its code is the HTTP status.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response)
    {
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal((int)response.StatusCode, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("title").GetString()));
        return error.GetProperty("message").GetString()!;
    }

    private static byte[] Content(int seed)
    {
        var bytes = new byte[(64 << 10) + seed];
        new Random(seed).NextBytes(bytes);
        bytes.AsSpan(0, 4096).Clear();
        bytes[0] = (byte)(seed + 1);
        return bytes;
    }

    private static HttpRequestMessage Upload(Guid id, byte[] content) =>
        KestrelPortal.UploadRequest(id, null, new ByteArrayContent(content));

    [Fact]
    public async Task TwoUploadsToOneImageAnswer204AndA409AndStoreTheWinnersBytes()
    {
        var (_, token) = await portal.ApiTokenAsync(Alice);
        using var mine = portal.ApiClient(token);
        using var theirs = portal.ApiClient(token);
        for (var round = 0; round < Rounds; round++)
        {
            var (image, _) = await portal.NewQueuedImageAsync(Alice, $"put-twice-{round}");
            var a = Content(2 * round);
            var b = Content(2 * round + 1);

            var (first, second) = await Race.RunAsync(
                () => mine.SendAsync(Upload(image.Id, a)),
                () => theirs.SendAsync(Upload(image.Id, b)));

            using var one = first.Value!;
            using var other = second.Value!;
            var at = $"round {round}: {one.StatusCode} and {other.StatusCode}";
            Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.Conflict], new[] { one.StatusCode, other.StatusCode }.Order());
            var loser = one.StatusCode == HttpStatusCode.Conflict ? one : other;
            Assert.Contains(await ErrorMessageAsync(loser), new[]
            {
                ImagePolicy.AlreadyReceivingUpload,
                ImagePolicy.ActiveDataIsReadOnly,
            });
            var winner = one.StatusCode == HttpStatusCode.NoContent ? a : b;
            var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
            Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(winner)), stored.OsHashValue);
            var file = await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, image.Id.ToString()));
            Assert.True(winner.SequenceEqual(file), at);
        }

        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    [Fact]
    public async Task ProtectByPatchAgainstDeleteAnswersOneSuccessAndAGlanceError()
    {
        var (_, token) = await portal.ApiTokenAsync(Alice);
        using var protector = portal.ApiClient(token);
        using var deleter = portal.ApiClient(token);
        for (var round = 0; round < Rounds; round++)
        {
            var (image, _) = await portal.NewQueuedImageAsync(Alice, $"patch-or-delete-{round}");
            using (var uploaded = await protector.SendAsync(Upload(image.Id, Content(round))))
            {
                Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
            }

            var (patch, delete) = await Race.RunAsync(
                () => protector.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/image/v2/images/{image.Id}")
                {
                    Content = new StringContent("""[{"op": "replace", "path": "/protected", "value": true}]""", Encoding.UTF8,
                        new MediaTypeHeaderValue(ImageJsonPatch.MediaType)),
                }),
                () => deleter.DeleteAsync($"/image/v2/images/{image.Id}"));

            using var patched = patch.Value!;
            using var deleted = delete.Value!;
            var stored = await portal.ImageAsync(image.Id);
            var at = $"round {round}: PATCH {patched.StatusCode}, DELETE {deleted.StatusCode}, stored {stored.Status.ToApiName()}";
            Assert.False(stored.Status is ImageStatus.Deleted or ImageStatus.PendingDelete && stored.IsProtected, at);
            if (deleted.StatusCode == HttpStatusCode.NoContent)
            {
                // The image went to Recently deleted (its owner still sees it there): read-only until it is restored.
                Assert.True(patched.StatusCode == HttpStatusCode.Conflict && stored.Status == ImageStatus.PendingDelete, at);
                Assert.Equal(ImagePolicy.DeletedImageIsReadOnly, await ErrorMessageAsync(patched));
            }
            else
            {
                Assert.True(patched.StatusCode == HttpStatusCode.OK && stored.IsProtected, at);
                Assert.True(deleted.StatusCode == HttpStatusCode.Forbidden, at);
                Assert.Equal(ImagePolicy.ProtectedCannotBeDeleted, await ErrorMessageAsync(deleted));
            }
        }
    }
}
