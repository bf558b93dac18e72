using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Identity;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>The portal with a loopback file server it may import from (explicit test configuration only).</summary>
public sealed class ClientImportPortal : KestrelPortal
{
    public LoopbackFileServer Files { get; } = new();

    public override async Task InitializeAsync()
    {
        await Files.InitializeAsync();
        With("Portal:Import:AllowLoopback", "true");
        With("Portal:Import:AllowedPorts:0", Files.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await base.InitializeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Files.DisposeAsync().GetAwaiter().GetResult();
        }
    }
}

/// <summary>
/// Debian's <c>glance</c> client (4.1.0) reads no clouds.yaml and knows no application credential: it is given the
/// catalog's image URL and a token that <c>openstack</c> issued for the portal's credential, then runs the issue's
/// session: image-create with a file, image-list, image-download, image-create-via-import (web-download).
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class GlanceClientTests(ClientImportPortal portal) : IClassFixture<ClientImportPortal>
{
    [Fact]
    public async Task TheIssuesGlanceSessionRunsWithATokenOfTheCredential()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var (imageUrl, token) = await GlanceSignInAsync(cli);
        var disk = cli.MakeQcow2("disk.qcow2", seed: 21);
        var bytes = await File.ReadAllBytesAsync(disk);
        var md5 = Convert.ToHexStringLower(MD5.HashData(bytes));

        // image-create … --file: created, uploaded, active with the file's size and MD5.
        var created = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token,
            "image-create", "--name", "glance-image", "--disk-format", "qcow2", "--container-format", "bare", "--file", "disk.qcow2"));
        var id = Guid.Parse(created["id"]);
        Assert.Equal("glance-image", created["name"]);
        var stored = await portal.WaitForStatusAsync(id, ImageStatus.Active);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(bytes.LongLength, stored.Size);
        Assert.Equal(md5, stored.Checksum);
        Assert.Equal((await portal.CallerAsync("alice@demo.local")).AccountId, stored.Owner);

        // image-list
        var list = GlanceTable.Rows(await cli.GlanceAsync(imageUrl, token, "image-list"));
        var row = Assert.Single(list, r => r["ID"] == id.ToString());
        Assert.Equal("glance-image", row["Name"]);

        // image-download: the same bytes come back.
        var downloaded = cli.PathOf("out.qcow2");
        await cli.GlanceAsync(imageUrl, token, "image-download", "--file", "out.qcow2", id.ToString());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(downloaded));

        // image-create-via-import with web-download from a loopback server, until the image is active.
        var source = cli.MakeQcow2("served.qcow2", seed: 22);
        File.Copy(source, Path.Combine(portal.Files.Folder, "served.qcow2"));
        var served = await File.ReadAllBytesAsync(source);
        var imported = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token,
            "image-create-via-import", "--name", "glance-import", "--disk-format", "qcow2", "--container-format", "bare",
            "--import-method", "web-download", "--uri", portal.Files.Url("served.qcow2")));
        var importedId = Guid.Parse(imported["id"]);
        var active = await portal.WaitForStatusAsync(importedId, ImageStatus.Active, TimeSpan.FromSeconds(60));
        Assert.True(active.Status == ImageStatus.Active, $"The import ended {active.Status}: {active.StatusReason}");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(served)), active.Checksum);
        Assert.Equal(portal.Files.Url("served.qcow2"), active.ImportUrl);
        var shown = GlanceTable.Properties(await cli.GlanceAsync(imageUrl, token, "image-show", importedId.ToString()));
        Assert.Equal("active", shown["status"]);
        Assert.Equal(served.LongLength.ToString(System.Globalization.CultureInfo.InvariantCulture), shown["size"]);
    }

    [Fact]
    public async Task ListingOneImageAPageFollowsTheNextLinksToTheEnd()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "bob@demo.local");
        var (imageUrl, token) = await GlanceSignInAsync(cli);

        var all = GlanceTable.Rows(await cli.GlanceAsync(imageUrl, token, "image-list")).Select(r => r["ID"]).ToList();
        // --debug logs each request on stderr: one page per image proves the pages came through next links.
        var debug = OpenStackCli.Checked(await cli.TryGlanceAsync(imageUrl, token, "--debug", "image-list", "--page-size", "1"), quiet: false);
        var paged = GlanceTable.Rows(debug.Output).Select(r => r["ID"]).ToList();
        var pages = debug.Error.Split('\n').Count(line => line.Contains("\"GET /image/v2/images?limit=1", StringComparison.Ordinal));

        Assert.True(all.Count > 2, "Bob should see his private images and the public catalog: " + string.Join(", ", all));
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(all.Order(), paged.Order());
        Assert.True(pages >= all.Count, $"{all.Count} images came in {pages} pages of one.");
    }

    [Fact]
    public async Task ARevokedCredentialsTokenNoLongerOpensTheImageService()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "bob@demo.local");
        var (imageUrl, token) = await GlanceSignInAsync(cli);
        var bob = await portal.CallerAsync("bob@demo.local");

        await portal.Services.GetRequiredService<ApplicationCredentialService>().RevokeAsync(bob, cli.Credential.Credential.Id);
        var refused = await cli.TryGlanceAsync(imageUrl, token, "image-list");

        Assert.False(refused.Succeeded, "A revoked credential's token still lists images: " + refused);
        // glanceclient's words for a 401.
        Assert.Contains("Invalid OpenStack Identity credentials.", refused.Error);
    }

    /// <summary>
    /// What glance is given, both from <c>openstack</c> signed in with the portal's clouds.yaml: a token
    /// (<c>token issue -f value -c id</c>) and the image service's public URL from the catalog.
    /// </summary>
    private static async Task<(string ImageUrl, string Token)> GlanceSignInAsync(OpenStackCli cli)
    {
        var token = (await cli.OpenStackAsync("token", "issue", "-f", "value", "-c", "id")).Trim();
        Assert.False(string.IsNullOrEmpty(token), "openstack token issue printed no token.");
        var image = await cli.OpenStackJsonAsync("catalog", "show", "image");
        var endpoints = image.GetProperty("endpoints");
        var url = endpoints.ValueKind == JsonValueKind.Array
            ? Assert.Single(endpoints.EnumerateArray(), e => e.GetProperty("interface").GetString() == "public").GetProperty("url").GetString()
            : throw new Xunit.Sdk.XunitException("openstack catalog show image printed no endpoint list: " + image);
        return (url!, token);
    }
}
