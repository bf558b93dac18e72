using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// Properties, the Rescue image switch and tags set in the portal read back by Debian's <c>openstack</c> client, and
/// the reverse: what the client sets shows on the image's page (its server-rendered HTML).
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OpenStackClientPropertiesTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    private ImageService Images => portal.Services.GetRequiredService<ImageService>();

    [Fact]
    public async Task TheRescueSwitchPropertiesAndTagsSetInThePortalAreWhatImageShowPrints()
    {
        var alice = await portal.CallerAsync("alice@demo.local");
        var image = await Images.CreateAsync(alice, new CreateImageRequest
        {
            Name = "portal-rescue", Source = ImageSource.Later, DiskFormat = DiskFormat.Iso, IsRescueImage = true,
        });
        image = await Images.EditAsync(alice, image.Id, new ImageEdit(Properties: new Dictionary<string, string?>(image.Properties!)
        {
            ["os_admin_user"] = "root",
        }), image.Version);
        await Images.AddTagAsync(alice, image.Id, "rescue");
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");

        var shown = await cli.OpenStackJsonAsync("image", "show", image.Id.ToString());

        Assert.Equal("iso", shown.GetProperty("disk_format").GetString());
        Assert.Equal("cdrom", PropertyOf(shown, "hw_rescue_device"));
        Assert.Equal("scsi", PropertyOf(shown, "hw_rescue_bus"));
        Assert.Equal("root", PropertyOf(shown, "os_admin_user"));
        Assert.Equal(["rescue"], TagsOf(shown));

        // The switch turned off removes both; the other property stays.
        image = await portal.ImageAsync(image.Id);
        await Images.EditAsync(alice, image.Id, new ImageEdit(Properties: KnownImageProperties.WithRescue(image.Properties, rescue: false)), image.Version);
        shown = await cli.OpenStackJsonAsync("image", "show", image.Id.ToString());
        Assert.Null(PropertyOf(shown, "hw_rescue_device"));
        Assert.Null(PropertyOf(shown, "hw_rescue_bus"));
        Assert.Equal("root", PropertyOf(shown, "os_admin_user"));
    }

    [Fact]
    public async Task PropertiesAndATagSetByTheClientShowOnTheDetailsPageWithTheRescueSwitchOn()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        // Created without data (the client would read its standard input for data it was not given a file for).
        var id = (await Images.CreateAsync(await portal.CallerAsync("alice@demo.local"),
            new CreateImageRequest { Name = "cli-rescue", Source = ImageSource.Later, DiskFormat = DiskFormat.Iso })).Id;
        using var http = await portal.SignedInHttpClientAsync("alice@demo.local");
        Assert.False(IsChecked(RescueSwitch(await PageAsync(http, id))));

        await cli.OpenStackAsync("image", "set", "--property", "hw_rescue_device=cdrom", "--property", "hw_rescue_bus=scsi",
            "--property", "hw_qemu_guest_agent=yes", "--tag", "from-cli", id.ToString());

        Assert.True(KnownImageProperties.IsRescueImage((await portal.ImageAsync(id)).Properties));
        var page = await PageAsync(http, id);
        Assert.True(IsChecked(RescueSwitch(page)));
        var rows = page.QuerySelectorAll("[data-testid=property-row]").ToDictionary(
            r => r.GetAttribute("data-key")!, r => r.QuerySelector("[data-testid=property-value]")!.TextContent.Trim());
        Assert.Equal(("cdrom", "scsi", "yes"), (rows["hw_rescue_device"], rows["hw_rescue_bus"], rows["hw_qemu_guest_agent"]));
        Assert.Equal(["from-cli"], page.QuerySelectorAll("[data-testid=tag-chip]").Select(c => c.TextContent.Trim()));

        await cli.OpenStackAsync("image", "unset", "--property", "hw_rescue_bus", id.ToString());
        Assert.False(IsChecked(RescueSwitch(await PageAsync(http, id))));
    }

    private static async Task<IDocument> PageAsync(HttpClient http, Guid id)
    {
        using var response = await http.GetAsync($"/compute/images/{id}");
        response.EnsureSuccessStatusCode();
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    private static IElement RescueSwitch(IDocument page) =>
        page.QuerySelector("[data-testid=properties-card] [data-testid=rescue-switch] input[type=checkbox]")
        ?? throw new InvalidOperationException("The ISO image's page has no Rescue image switch.");

    private static bool IsChecked(IElement checkbox) => checkbox.HasAttribute("checked");

    /// <summary>openstack prints custom properties in a <c>properties</c> object.</summary>
    private static string? PropertyOf(JsonElement image, string key) =>
        image.GetProperty("properties").TryGetProperty(key, out var value) ? value.GetString() : null;

    private static IEnumerable<string?> TagsOf(JsonElement image) =>
        image.GetProperty("tags").EnumerateArray().Select(t => t.GetString());
}
