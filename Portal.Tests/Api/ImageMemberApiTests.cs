using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Images;
using Portal.Images.Api;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Api;

/// <summary>
/// The members routes as Glance's API reference defines them (images-sharing-v2): every route, status code and body,
/// for the owner (alice), the member (bob, pending then accepted) and an account the image is not shared with (the
/// operator's).
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageMemberApiTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private const string Alice = "alice@demo.local";
    private const string Bob = "bob@demo.local";
    private const string Operator = "operator@demo.local";

    private async Task<HttpClient> ClientAsync(string email) => portal.ApiClient((await portal.ApiTokenAsync(email)).Token);

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private static async Task<string> MessageOf(HttpResponseMessage response) =>
        (await JsonOf(response))["error"]!["message"]!.GetValue<string>();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string[]> IdsAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/image/v2/images" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response))["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];
    }

    private async Task<Guid> ActiveImageAsync(HttpClient api, string name)
    {
        var (image, _) = await portal.NewQueuedImageAsync(Alice, name);
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new GeneratedContent(1 << 16)));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        return image.Id;
    }

    private static async Task MakeSharedAsync(HttpClient owner, Guid id)
    {
        var content = new StringContent("""[{"op": "replace", "path": "/visibility", "value": "shared"}]""");
        content.Headers.ContentType = new MediaTypeHeaderValue(ImageJsonPatch.MediaType);
        using var patched = await owner.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"/image/v2/images/{id:D}") { Content = content });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
    }

    [Fact]
    public async Task TheWholeMembershipLifecycleAnswersAsGlanceDoes()
    {
        using var alice = await ClientAsync(Alice);
        using var bob = await ClientAsync(Bob);
        using var op = await ClientAsync(Operator);
        var bobAccount = (await portal.CallerAsync(Bob)).AccountId;
        var operatorAccount = (await portal.CallerAsync(Operator)).AccountId;
        var id = await ActiveImageAsync(alice, "api-shared");
        var members = $"/image/v2/images/{id:D}/members";
        var bobMember = $"{members}/{bobAccount:D}";

        // Members only count for shared images.
        using (var onPrivate = await alice.PostAsync(members, Json($$"""{"member": "{{bobAccount:D}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, onPrivate.StatusCode);
        }

        using (var listPrivate = await alice.GetAsync(members))
        {
            Assert.Equal(HttpStatusCode.Forbidden, listPrivate.StatusCode);
            Assert.Equal(ImageMemberEndpoints.OnlySharedImagesHaveMembers, await MessageOf(listPrivate));
        }

        await MakeSharedAsync(alice, id);

        using (var created = await alice.PostAsync(members, Json($$"""{"member": "{{bobAccount:D}}"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            var body = await JsonOf(created);
            Assert.Equal(["created_at", "image_id", "member_id", "schema", "status", "updated_at"], body.Select(p => p.Key).Order());
            Assert.Equal(id.ToString("D"), body["image_id"]!.GetValue<string>());
            Assert.Equal(bobAccount.ToString("D"), body["member_id"]!.GetValue<string>());
            Assert.Equal("pending", body["status"]!.GetValue<string>());
            Assert.Equal("/v2/schemas/member", body["schema"]!.GetValue<string>());
        }

        using (var duplicate = await alice.PostAsync(members, Json($$"""{"member": "{{bobAccount:D}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        }

        foreach (var bad in new[] { "{}", """{"member": ""}""", """{"member": 5}""", """{"member": "not-an-account"}""", $$"""{"member": "{{Guid.NewGuid():D}}"}""", "[1]" })
        {
            using var refused = await alice.PostAsync(members, Json(bad));
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, bad);
        }

        // Pending: bob finds it by id and by asking for pending shares, not in his default list, and cannot download it yet.
        Assert.DoesNotContain(id.ToString("D"), await IdsAsync(bob, "?limit=1000"));
        Assert.Contains(id.ToString("D"), await IdsAsync(bob, "?visibility=shared&member_status=pending"));
        Assert.Contains(id.ToString("D"), await IdsAsync(bob, "?member_status=all&limit=1000"));
        using (var shown = await bob.GetAsync($"/image/v2/images/{id:D}"))
        {
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
            Assert.Equal("shared", (await JsonOf(shown))["visibility"]!.GetValue<string>());
        }

        using (var early = await bob.GetAsync(ImageDownloadEndpoints.DownloadPath(id)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        }

        using (var badFilter = await bob.GetAsync("/image/v2/images?member_status=maybe"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        }

        // Who sees which members: the owner all, the member itself, the operator's account (not a member) nothing.
        await alice.PostAsync(members, Json($$"""{"member": "{{operatorAccount:D}}"}"""));
        using (var ownerList = await alice.GetAsync(members))
        {
            var body = await JsonOf(ownerList);
            Assert.Equal("/v2/schemas/members", body["schema"]!.GetValue<string>());
            Assert.Equal(2, body["members"]!.AsArray().Count);
        }

        using (var bobList = await bob.GetAsync(members))
        {
            var listed = (await JsonOf(bobList))["members"]!.AsArray();
            Assert.Equal([bobAccount.ToString("D")], listed.Select(m => m!["member_id"]!.GetValue<string>()));
        }

        using (var othersMembership = await bob.GetAsync($"{members}/{operatorAccount:D}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, othersMembership.StatusCode);
        }

        using (var removeOperator = await alice.DeleteAsync($"{members}/{operatorAccount:D}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removeOperator.StatusCode);
        }

        using (var notShared = await op.GetAsync(members))
        {
            Assert.Equal(HttpStatusCode.NotFound, notShared.StatusCode);
        }

        // Only the member answers.
        using (var ownerAnswers = await alice.PutAsync(bobMember, Json("""{"status": "accepted"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, ownerAnswers.StatusCode);
        }

        foreach (var bad in new[] { "{}", """{"status": "maybe"}""", """{"status": 1}""" })
        {
            using var refused = await bob.PutAsync(bobMember, Json(bad));
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, bad);
        }

        using (var accepted = await bob.PutAsync(bobMember, Json("""{"status": "accepted"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("accepted", (await JsonOf(accepted))["status"]!.GetValue<string>());
        }

        Assert.Contains(id.ToString("D"), await IdsAsync(bob, "?limit=1000"));
        Assert.Contains(id.ToString("D"), await IdsAsync(bob, "?visibility=shared"));
        using (var ownerShow = await alice.GetAsync(bobMember))
        {
            Assert.Equal("accepted", (await JsonOf(ownerShow))["status"]!.GetValue<string>());
        }

        using (var download = await bob.GetAsync(ImageDownloadEndpoints.DownloadPath(id)))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(1 << 16, (await download.Content.ReadAsByteArrayAsync()).Length);
        }

        // A member changes nothing of the image and shares it with nobody.
        using (var memberRemoves = await bob.DeleteAsync(bobMember))
        {
            Assert.Equal(HttpStatusCode.Forbidden, memberRemoves.StatusCode);
        }

        using (var memberDeletes = await bob.DeleteAsync($"/image/v2/images/{id:D}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, memberDeletes.StatusCode);
        }

        using (var memberShares = await bob.PostAsync(members, Json($$"""{"member": "{{operatorAccount:D}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, memberShares.StatusCode);
        }

        // The owner removes the member at any time; the image is then gone for it.
        using (var removed = await alice.DeleteAsync(bobMember))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var again = await alice.DeleteAsync(bobMember))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        using (var gone = await bob.GetAsync($"/image/v2/images/{id:D}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(id)).Status);
    }

    [Fact]
    public async Task KeystonesProjectsAnswerAsForAMemberWithoutTheAdminRole()
    {
        using var alice = await ClientAsync(Alice);
        var own = (await portal.CallerAsync(Alice)).AccountId;
        var other = (await portal.CallerAsync(Bob)).AccountId;

        using var shown = await alice.GetAsync($"/identity/v3/projects/{own:D}");
        using var forbidden = await alice.GetAsync($"/identity/v3/projects/{other:D}");
        using var list = await alice.GetAsync("/identity/v3/projects?name=bob-project");

        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal("alice-project", (await JsonOf(shown))["project"]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.DoesNotContain("bob-project", await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheMemberSchemasAreGlances()
    {
        using var alice = await ClientAsync(Alice);

        var member = await alice.GetFromJsonAsync<JsonObject>("/image/v2/schemas/member");
        var list = await alice.GetFromJsonAsync<JsonObject>("/image/v2/schemas/members");

        Assert.Equal("member", member!["name"]!.GetValue<string>());
        Assert.Equal(["pending", "accepted", "rejected"], member["properties"]!["status"]!["enum"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal("members", list!["name"]!.GetValue<string>());
        Assert.Equal("array", list["properties"]!["members"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnUnknownImageOrMemberIsNotFound()
    {
        using var alice = await ClientAsync(Alice);

        using var image = await alice.GetAsync($"/image/v2/images/{Guid.NewGuid():D}/members");
        var id = await ActiveImageAsync(alice, "api-shared-404");
        await MakeSharedAsync(alice, id);
        using var member = await alice.GetAsync($"/image/v2/images/{id:D}/members/{Guid.NewGuid():D}");
        using var notAnId = await alice.GetAsync($"/image/v2/images/{id:D}/members/someone");

        Assert.Equal(HttpStatusCode.NotFound, image.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, member.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }
}
