using System.Net;
using System.Text.Json;
using Portal.Images;
using Portal.Images.Sharing;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// Sharing with Debian's real clients, by account id (the project id of the other account's tokens): the owner makes
/// the image shared and adds the member, the member accepts and downloads it, the owner lists and removes members.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageSharingClientTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private const string Alice = "alice@demo.local";
    private const string Bob = "bob@demo.local";

    private async Task<(Guid Id, byte[] Bytes)> ActiveImageAsync(string name)
    {
        using var api = portal.ApiClient((await portal.ApiTokenAsync(Alice)).Token);
        var (image, _) = await portal.NewQueuedImageAsync(Alice, name);
        var content = new GeneratedContent(1 << 18);
        var bytes = await content.ReadAsByteArrayAsync();
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(bytes)));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        return (image.Id, bytes);
    }

    [Fact]
    public async Task OpenStackClientSharesAcceptsListsDownloadsAndUnshares()
    {
        using var alice = await OpenStackCli.SignInAsync(portal, Alice);
        using var bob = await OpenStackCli.SignInAsync(portal, Bob);
        var bobAccount = (await portal.CallerAsync(Bob)).AccountId.ToString("D");
        var (id, bytes) = await ActiveImageAsync("cli-shared");
        var image = id.ToString("D");

        // Glance adds members to shared images only: the client says so, then the owner makes it shared and adds bob's account.
        var refused = await alice.TryOpenStackAsync("image", "add", "project", image, bobAccount);
        Assert.False(refused.Succeeded, "A member was added to a private image: " + refused);
        await alice.OpenStackAsync("image", "set", "--shared", image);
        var added = await alice.OpenStackJsonAsync("image", "add", "project", image, bobAccount);
        Assert.Equal("pending", StatusOf(added));
        Assert.Equal(MemberStatus.Pending, (await portal.ImageAsync(id)).MemberOf(Guid.Parse(bobAccount))!.Status);

        // Pending: not in bob's list; listed when he asks for pending shares.
        Assert.DoesNotContain(Ids(await bob.OpenStackJsonAsync("image", "list")), i => i == image);
        Assert.Contains(image, Ids(await bob.OpenStackJsonAsync("image", "list", "--shared", "--member-status", "pending")));

        // image set --accept: bob's own membership (the project id of his token).
        await bob.OpenStackAsync("image", "set", "--accept", image);
        Assert.Equal(MemberStatus.Accepted, (await portal.ImageAsync(id)).MemberOf(Guid.Parse(bobAccount))!.Status);
        Assert.Contains(image, Ids(await bob.OpenStackJsonAsync("image", "list")));

        var members = await alice.OpenStackJsonAsync("image", "member", "list", image);
        var row = Assert.Single(members.EnumerateArray());
        Assert.Equal(bobAccount, row.GetProperty("Member ID").GetString());
        Assert.Equal("accepted", row.GetProperty("Status").GetString());

        await bob.OpenStackAsync("image", "save", "--file", "shared.img", image);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(bob.PathOf("shared.img")));

        // The member changes nothing.
        var memberProtects = await bob.TryOpenStackAsync("image", "set", "--protected", image);
        Assert.False(memberProtects.Succeeded, "A member protected the owner's image: " + memberProtects);
        Assert.Contains(ImagePolicy.OnlyOwnerChangesSharedImage, memberProtects.Error);
        Assert.False((await portal.ImageAsync(id)).IsProtected);

        var removed = await alice.TryOpenStackAsync("image", "remove", "project", image, bobAccount);
        Assert.True(removed.Succeeded, removed.ToString());
        Assert.Empty((await portal.ImageAsync(id)).Members);
        var gone = await bob.TryOpenStackAsync("image", "show", image);
        Assert.False(gone.Succeeded, "The removed member still sees the image: " + gone);
    }

    [Fact]
    public async Task GlanceClientCreatesUpdatesListsAndDeletesMembers()
    {
        using var alice = await OpenStackCli.SignInAsync(portal, Alice);
        using var bob = await OpenStackCli.SignInAsync(portal, Bob);
        var (aliceUrl, aliceToken) = await GlanceSignInAsync(alice);
        var (bobUrl, bobToken) = await GlanceSignInAsync(bob);
        var bobAccount = (await portal.CallerAsync(Bob)).AccountId.ToString("D");
        var (id, bytes) = await ActiveImageAsync("glance-shared");
        var image = id.ToString("D");

        await alice.GlanceAsync(aliceUrl, aliceToken, "image-update", "--visibility", "shared", image);
        var created = GlanceTable.Rows(await alice.GlanceAsync(aliceUrl, aliceToken, "member-create", image, bobAccount));
        Assert.Equal("pending", Assert.Single(created)["Status"]);

        var updated = GlanceTable.Rows(await bob.GlanceAsync(bobUrl, bobToken, "member-update", image, bobAccount, "accepted"));
        Assert.Equal("accepted", Assert.Single(updated)["Status"]);

        var listed = GlanceTable.Rows(await alice.GlanceAsync(aliceUrl, aliceToken, "member-list", "--image-id", image));
        var row = Assert.Single(listed);
        Assert.Equal(bobAccount, row["Member ID"]);
        Assert.Equal("accepted", row["Status"]);

        await bob.GlanceAsync(bobUrl, bobToken, "image-download", "--file", "shared.img", image);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(bob.PathOf("shared.img")));

        var ownerAnswers = await alice.TryGlanceAsync(aliceUrl, aliceToken, "member-update", image, bobAccount, "rejected");
        Assert.False(ownerAnswers.Succeeded, "The owner answered for the member: " + ownerAnswers);

        await alice.GlanceAsync(aliceUrl, aliceToken, "member-delete", image, bobAccount);
        Assert.Empty((await portal.ImageAsync(id)).Members);
    }

    /// <summary>glance reads no clouds.yaml: a token and the catalog's image URL, both from openstack (as in GlanceClientTests).</summary>
    private static async Task<(string ImageUrl, string Token)> GlanceSignInAsync(OpenStackCli cli)
    {
        var token = (await cli.OpenStackAsync("token", "issue", "-f", "value", "-c", "id")).Trim();
        var image = await cli.OpenStackJsonAsync("catalog", "show", "image");
        var url = Assert.Single(image.GetProperty("endpoints").EnumerateArray(), e => e.GetProperty("interface").GetString() == "public")
            .GetProperty("url").GetString();
        return (url!, token);
    }

    private static string? StatusOf(JsonElement member) =>
        (member.TryGetProperty("status", out var status) ? status : member.GetProperty("Status")).GetString();

    private static IEnumerable<string?> Ids(JsonElement list) => list.EnumerateArray().Select(i => i.GetProperty("ID").GetString());
}
