using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class PropertiesAndTagsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnIsoBecomesARescueImageGetsATagAndTheListFiltersByIt()
    {
        var alice = await browser.App.CallerAsync("alice@demo.local");
        var iso = await browser.App.Services.GetRequiredService<ImageService>().CreateAsync(alice,
            new CreateImageRequest { Name = "rescue-kit-iso", Source = ImageSource.Later, DiskFormat = DiskFormat.Iso });
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local", $"/compute/images/{iso.Id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "rescue-kit-iso" })).ToBeVisibleAsync();
        var properties = page.GetByTestId("properties-card");

        await properties.GetByText("Rescue image", new() { Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByText("“rescue-kit-iso” is now a rescue image.")).ToBeVisibleAsync();
        await Assertions.Expect(properties.GetByTestId("property-row").Locator("p").First).ToHaveTextAsync("hw_rescue_bus = scsi");
        await Assertions.Expect(properties.GetByTestId("property-row").Locator("p")).ToHaveTextAsync(["hw_rescue_bus = scsi", "hw_rescue_device = cdrom"]);
        await Assertions.Expect(properties.GetByRole(AriaRole.Switch, new() { Name = "Rescue image" })).ToBeCheckedAsync();

        var tags = page.GetByTestId("tags-card");
        await tags.GetByLabel("New tag").FillAsync("rescue-kit");
        await tags.GetByLabel("New tag").PressAsync("Enter");
        await Assertions.Expect(tags.GetByTestId("tag-chip")).ToHaveTextAsync(["rescue-kit"]);
        Assert.Equal(["rescue-kit"], (await browser.App.ImageAsync(iso.Id)).Tags);
        Assert.True(KnownImageProperties.IsRescueImage((await browser.App.ImageAsync(iso.Id)).Properties));

        await page.GotoAsync("/compute/images");
        await Assertions.Expect(page.Locator("a.portal-image-link").First).ToBeVisibleAsync();
        await page.GetByLabel("Tag", new() { Exact = true }).FillAsync("rescue-kit");

        await Assertions.Expect(page.Locator("a.portal-image-link")).ToHaveTextAsync(["rescue-kit-iso"]);
    }
}
