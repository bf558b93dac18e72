using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>A deleted image is brought back from the browser within the window, with the same data.</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class RecentlyDeletedBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task ADeletedImageIsRestoredFromRecentlyDeletedWithTheSameSha512(int width, int height)
    {
        // Each width deletes its own image: alice's at 1280 px, bob's at 390 px.
        var (email, name) = width > 600 ? ("alice@demo.local", "ci-runner") : ("bob@demo.local", "postgres-16-base");
        var page = await browser.NewPageAsync(width, height);
        await browser.SignInAsync(page, email, "/compute/images");

        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        var sha512 = page.GetByTestId("sha512");
        await Assertions.Expect(sha512).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{128}$"));
        var before = (await sha512.TextContentAsync())!.Trim();

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete image" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync($"You can restore it from Recently deleted for 24 hours");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();

        // The page goes where the image went: the Recently deleted tab, with the time left.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/compute/images\\?tab=deleted$"));
        var table = page.GetByRole(AriaRole.Region, new() { Name = "Recently deleted images" });
        await Assertions.Expect(table.GetByRole(AriaRole.Link, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(table).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Restorable for 2[34] h"));

        await table.GetByRole(AriaRole.Button, new() { Name = $"Restore image: {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"“{name}” is restored: active again, with its data.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("recently-deleted-empty")).ToBeVisibleAsync();

        // Back on the private list (at 390 px that tab is scrolled out of the tab bar, so go by address).
        await page.GotoAsync("/compute/images");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".portal-status-chip")).ToHaveTextAsync("Active");
        await Assertions.Expect(page.GetByTestId("sha512")).ToHaveTextAsync(before);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete image" })).ToBeEnabledAsync();

        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"The page scrolls sideways: {scrollWidth} px wide.");
    }
}
