using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class ProtectAndDeleteBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task CustomerProtectsAnImageCannotDeleteItThenUnprotectsAndDeletesIt()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");

        // Compute → Images from the navigation.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Compute" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Images", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Private images" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Public images" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "ci-runner" }).ClickAsync();
        await page.WaitForURLAsync("**/compute/images/*");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "ci-runner" })).ToBeVisibleAsync();

        var protectedSwitch = page.GetByRole(AriaRole.Switch, new() { Name = "Protected" });
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete image" });
        await Assertions.Expect(delete).ToBeEnabledAsync();

        await protectedSwitch.CheckAsync();
        await Assertions.Expect(delete).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByText("This image is protected. Unprotect it first, then delete it.")).ToBeVisibleAsync();

        await protectedSwitch.UncheckAsync();
        await Assertions.Expect(delete).ToBeEnabledAsync();

        await delete.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync("ci-runner");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        // Each step waits on its own, so that a slow machine's failure names the step: the dialog closes, the
        // confirmation appears, then the list.
        await Assertions.Expect(dialog).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByText("“ci-runner” was moved to Recently deleted; you can restore it there for 24 hours.")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/compute/images\\?tab=deleted$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Recently deleted" })).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "ci-runner" })).ToBeVisibleAsync();

        // It has left the private list.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Private images" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "web-frontend-golden" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "ci-runner" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ImagesPageWorksOnANarrowScreen()
    {
        var page = await browser.NewPageAsync(390, 844);
        await browser.SignInAsync(page, "bob@demo.local");

        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "postgres-16-base" })).ToBeVisibleAsync();
        // The drawer collapses on a phone: the navigation is one tap away, not covering the list.
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Images", Exact = true })).Not.ToBeInViewportAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Images", Exact = true })).ToBeInViewportAsync();
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"The page scrolls sideways: {width} px wide.");
    }
}
