using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class ActivityBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Where the screenshots go, to be looked at by a person (not compared).</summary>
    private static readonly string Screenshots = Path.Combine(Path.GetTempPath(), "portal-screenshots");

    private static Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        return page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    private static async Task OpenAsync(IPage page, string imageName)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = imageName }).ClickAsync();
        await page.WaitForURLAsync("**/compute/images/*");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = imageName })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task WhatTheCustomerDoesAppearsAtTheTopOfTheActivityNewestFirst()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await OpenAsync(page, "web-frontend-golden");
        var activity = page.GetByRole(AriaRole.List, new() { Name = "Activity, newest first" });
        await Assertions.Expect(activity.GetByRole(AriaRole.Listitem).First).ToContainTextAsync("Upload finished");

        await page.GetByRole(AriaRole.Switch, new() { Name = "Protected" }).UncheckAsync();
        await Assertions.Expect(activity.GetByRole(AriaRole.Listitem).First).ToContainTextAsync("Unprotected");
        await page.GetByLabel("Description").FillAsync("Nginx + Node.js base, rebuilt for the winter sale");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        var entries = activity.GetByRole(AriaRole.Listitem);
        await Assertions.Expect(entries.First).ToContainTextAsync("Edited: description");
        await Assertions.Expect(entries.First).ToContainTextAsync("you · just now");
        await Assertions.Expect(entries.Nth(1)).ToContainTextAsync("Unprotected");
        await Assertions.Expect(entries.Last).ToContainTextAsync("Created");
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$", await entries.First.Locator("time").GetAttributeAsync("title"));
        await ScreenshotAsync(page, "activity-1280");
    }

    [Fact]
    public async Task TheActivityReadsOnANarrowScreen()
    {
        var page = await browser.NewPageAsync(390, 844);
        await browser.SignInAsync(page, "bob@demo.local");
        await OpenAsync(page, "postgres-16-base");

        var activity = page.GetByRole(AriaRole.List, new() { Name = "Activity, newest first" });
        await Assertions.Expect(activity.GetByRole(AriaRole.Listitem).First).ToContainTextAsync("Upload finished");
        await activity.ScrollIntoViewIfNeededAsync();
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"The page scrolls sideways: {width} px wide.");
        await ScreenshotAsync(page, "activity-390");
        await page.GetByTestId("activity").ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "activity-card-390.png") });
    }
}
