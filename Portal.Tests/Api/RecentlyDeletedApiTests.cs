using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Api;

/// <summary>
/// Recently deleted through the Image API: <c>DELETE</c> answers 204 as in Glance and the image leaves the default
/// listing, but its owner still finds it by id (status <c>pending_delete</c>) and with <c>status=pending_delete</c>.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class RecentlyDeletedApiTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private const string Alice = "alice@demo.local";
    private const string Bob = "bob@demo.local";

    private async Task<HttpClient> ClientAsync(string email) => portal.ApiClient((await portal.ApiTokenAsync(email)).Token);

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private static async Task<string[]> IdsAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/image/v2/images" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response))["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];
    }

    private async Task<Guid> ActiveImageAsync(HttpClient api, string name)
    {
        var (image, _) = await portal.NewQueuedImageAsync(Alice, name);
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new GeneratedContent(1 << 20)));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        return image.Id;
    }

    [Fact]
    public async Task DeleteAnswers204AndTheImageLeavesTheListingButItsOwnerStillFindsItPendingDelete()
    {
        using var alice = await ClientAsync(Alice);
        using var bob = await ClientAsync(Bob);
        var id = await ActiveImageAsync(alice, "api-recently-deleted");
        Assert.Contains(id.ToString("D"), await IdsAsync(alice, "?limit=1000"));

        using var deleted = await alice.DeleteAsync($"/image/v2/images/{id:D}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(id.ToString("D"), await IdsAsync(alice, "?limit=1000"));
        Assert.DoesNotContain(id.ToString("D"), await IdsAsync(alice, "?visibility=all&limit=1000"));
        Assert.DoesNotContain(id.ToString("D"), await IdsAsync(alice, "?visibility=private&limit=1000"));
        Assert.Equal([id.ToString("D")], await IdsAsync(alice, "?status=pending_delete&name=api-recently-deleted"));
        Assert.Empty(await IdsAsync(bob, "?status=pending_delete&name=api-recently-deleted"));

        using var shown = await alice.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        var image = await JsonOf(shown);
        Assert.Equal("pending_delete", image["status"]!.GetValue<string>());
        Assert.Equal(1 << 20, image["size"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(image["os_hash_value"]!.GetValue<string>()));
        using var notBobs = await bob.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NotFound, notBobs.StatusCode);

        // Its data is not served while it waits, and it cannot be changed.
        using var download = await alice.GetAsync(ImageDownloadEndpoints.DownloadPath(id));
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        Assert.Equal(ImagePolicy.DeletedDownloadRefused, (await JsonOf(download))["error"]!["message"]!.GetValue<string>());

        // Deleting it again answers as for a deleted image; the data stays until it is deleted permanently.
        using var again = await alice.DeleteAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(ImageStatus.PendingDelete, (await portal.ImageAsync(id)).Status);
        Assert.True(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));

        await portal.Services.GetRequiredService<ImageService>().DeletePermanentlyAsync(await portal.CallerAsync(Alice), id);

        using var gone = await alice.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(await IdsAsync(alice, "?status=pending_delete&name=api-recently-deleted"));
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));
    }

    [Fact]
    public async Task AnImageRestoredInThePortalIsListedActiveAgain()
    {
        using var alice = await ClientAsync(Alice);
        var id = await ActiveImageAsync(alice, "api-restored");
        using var deleted = await alice.DeleteAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        await portal.Services.GetRequiredService<ImageService>().RestoreAsync(await portal.CallerAsync(Alice), id);

        Assert.Contains(id.ToString("D"), await IdsAsync(alice, "?limit=1000"));
        using var shown = await alice.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal("active", (await JsonOf(shown))["status"]!.GetValue<string>());
    }
}
