using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// The issue's session with Debian's <c>openstack</c> client, in its order, signed in with nothing but the portal's
/// clouds.yaml: create from a qemu-img-made qcow2, list, show, protect, a refused delete, unprotect, save, a property,
/// a tag, list by tag, delete. Each step is checked against what the client printed and what the portal stored.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OpenStackClientImageTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    [Fact]
    public async Task TheIssuesImageSessionRunsAgainstThePortal()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var disk = cli.MakeQcow2("disk.qcow2", seed: 11);
        var bytes = await File.ReadAllBytesAsync(disk);
        var md5 = Convert.ToHexStringLower(MD5.HashData(bytes));

        // image create --file: the image is created, its data uploaded, and it is active with the file's size and MD5.
        var created = await cli.OpenStackJsonAsync(
            "image", "create", "--disk-format", "qcow2", "--container-format", "bare", "--file", "disk.qcow2", "cli-image");
        var id = Guid.Parse(created.GetProperty("id").GetString()!);
        var stored = await portal.WaitForStatusAsync(id, ImageStatus.Active);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(bytes.LongLength, stored.Size);
        Assert.Equal(md5, stored.Checksum);
        Assert.Equal(QemuImg.Info(disk).VirtualSize, stored.VirtualSize);
        Assert.Equal((await portal.CallerAsync("alice@demo.local")).AccountId, stored.Owner);

        // image list
        var list = await cli.OpenStackJsonAsync("image", "list");
        var listed = Assert.Single(list.EnumerateArray(), i => i.GetProperty("ID").GetString() == id.ToString());
        Assert.Equal("cli-image", listed.GetProperty("Name").GetString());
        Assert.Equal("active", listed.GetProperty("Status").GetString());

        // image show
        var shown = await cli.OpenStackJsonAsync("image", "show", id.ToString());
        Assert.Equal("cli-image", shown.GetProperty("name").GetString());
        Assert.Equal("active", shown.GetProperty("status").GetString());
        Assert.Equal(bytes.LongLength, shown.GetProperty("size").GetInt64());
        Assert.Equal(md5, shown.GetProperty("checksum").GetString());
        Assert.Equal("qcow2", shown.GetProperty("disk_format").GetString());
        Assert.Equal("bare", shown.GetProperty("container_format").GetString());
        Assert.Equal("private", shown.GetProperty("visibility").GetString());
        Assert.Equal("intact", PropertyOf(shown, "os_portal_integrity"));
        Assert.False(shown.GetProperty("protected").GetBoolean());

        // image set --protected, then image delete is refused with the portal's own words.
        await cli.OpenStackAsync("image", "set", "--protected", id.ToString());
        Assert.True((await portal.ImageAsync(id)).IsProtected);
        var refused = await cli.TryOpenStackAsync("image", "delete", id.ToString());
        Assert.False(refused.Succeeded, "A protected image was deleted: " + refused);
        Assert.Contains(ImagePolicy.ProtectedCannotBeDeleted, refused.Error);
        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(id)).Status);

        // image set --unprotected
        await cli.OpenStackAsync("image", "set", "--unprotected", id.ToString());
        Assert.False((await portal.ImageAsync(id)).IsProtected);
        Assert.False((await cli.OpenStackJsonAsync("image", "show", id.ToString())).GetProperty("protected").GetBoolean());

        // image save: the same bytes come back.
        var saved = cli.PathOf("out.qcow2");
        await cli.OpenStackAsync("image", "save", "--file", "out.qcow2", id.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(saved));

        // image set --property, image set --tag: both round-trip through image show.
        await cli.OpenStackAsync("image", "set", "--property", "hw_rescue_device=cdrom", id.ToString());
        await cli.OpenStackAsync("image", "set", "--tag", "t1", id.ToString());
        shown = await cli.OpenStackJsonAsync("image", "show", id.ToString());
        Assert.Equal("cdrom", PropertyOf(shown, "hw_rescue_device"));
        Assert.Contains("t1", TagsOf(shown));

        // image list --tag t1 lists it, and only what carries the tag.
        var tagged = await cli.OpenStackJsonAsync("image", "list", "--tag", "t1");
        Assert.Equal([id.ToString()], tagged.EnumerateArray().Select(i => i.GetProperty("ID").GetString()));

        // image delete: gone from the client's list; the data waits in Recently deleted, and the owner's show says pending_delete.
        await cli.OpenStackAsync("image", "delete", id.ToString());
        Assert.Equal(ImageStatus.PendingDelete, (await portal.ImageAsync(id)).Status);
        Assert.True(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));
        Assert.Equal("pending_delete", (await cli.OpenStackJsonAsync("image", "show", id.ToString())).GetProperty("status").GetString());
        Assert.DoesNotContain((await cli.OpenStackJsonAsync("image", "list")).EnumerateArray(), i => i.GetProperty("ID").GetString() == id.ToString());

        // Deleting it again answers 404 as for a deleted image (which the SDK's delete ignores): the data stays, and
        // goes only by Delete permanently (or the scrubber).
        await cli.TryOpenStackAsync("image", "delete", id.ToString());
        Assert.Equal(ImageStatus.PendingDelete, (await portal.ImageAsync(id)).Status);
        Assert.True(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));
        await portal.Services.GetRequiredService<ImageService>().DeletePermanentlyAsync(await portal.CallerAsync("alice@demo.local"), id);
        Assert.Equal(ImageStatus.Deleted, (await portal.ImageAsync(id)).Status);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, id.ToString())));
        var missing = await cli.TryOpenStackAsync("image", "show", id.ToString());
        Assert.False(missing.Succeeded, "A deleted image is still shown: " + missing);
    }

    /// <summary>openstack prints custom properties in a <c>properties</c> object.</summary>
    private static string? PropertyOf(JsonElement image, string key) =>
        image.GetProperty("properties").TryGetProperty(key, out var value) ? value.GetString() : null;

    private static IEnumerable<string?> TagsOf(JsonElement image) =>
        image.GetProperty("tags").EnumerateArray().Select(t => t.GetString());
}
