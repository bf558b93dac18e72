using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>An image the real <c>openstack</c> client creates shows up on the Images page already open in a browser.</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class OpenStackClientBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnImageCreatedWithTheCliAppearsOnTheOpenImagesPageWithoutAReload()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "web-frontend-golden" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "cli-image" })).ToHaveCountAsync(0);

        // A mark in this very document: a reload or a navigation would drop it.
        await page.EvaluateAsync("() => { window.portalNotReloaded = true; }");

        using var cli = await OpenStackCli.SignInAsync(browser.App, "alice@demo.local");
        var disk = cli.MakeQcow2("disk.qcow2", seed: 31);
        await cli.OpenStackJsonAsync("image", "create", "--disk-format", "qcow2", "--container-format", "bare", "--file", disk, "cli-image");

        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "cli-image" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "cli-image" })).ToContainTextAsync("Active");
        Assert.True(await page.EvaluateAsync<bool>("() => window.portalNotReloaded === true"), "The page was reloaded.");
    }

    [Fact]
    public async Task AnImageProtectedWithTheCliCannotBeDeletedOnItsOpenPage()
    {
        using var cli = await OpenStackCli.SignInAsync(browser.App, "alice@demo.local");
        cli.MakeQcow2("disk.qcow2", seed: 32);
        var id = (await cli.OpenStackJsonAsync(
            "image", "create", "--disk-format", "qcow2", "--container-format", "bare", "--file", "disk.qcow2", "cli-protected")).GetProperty("id").GetString();
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local", $"/compute/images/{id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "cli-protected" })).ToBeVisibleAsync();
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete image" });
        await Assertions.Expect(delete).ToBeEnabledAsync();
        await page.EvaluateAsync("() => { window.portalNotReloaded = true; }");

        await cli.OpenStackAsync("image", "set", "--protected", id!);

        await Assertions.Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Protected" })).ToBeCheckedAsync();
        await Assertions.Expect(delete).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByText("This image is protected. Unprotect it first, then delete it.")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.portalNotReloaded === true"), "The page was reloaded.");
    }
}
