using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>
/// Two people in two browser contexts: the owner shares an image by account name, the member finds it pending under
/// Shared with me, accepts it and may download it; the owner removes the member and the image is gone for them.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class SharingBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string Screenshots = Path.Combine(Path.GetTempPath(), "portal-screenshots");

    private static Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        return page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task TheOwnerSharesTheMemberAcceptsAndLosesItWhenRemoved(int width, int height)
    {
        // At 1280 px alice shares with bob, at 390 px bob with alice.
        var (owner, member, memberAccount, ownerAccount) = width > 600
            ? ("alice@demo.local", "bob@demo.local", "bob-project", "alice-project")
            : ("bob@demo.local", "alice@demo.local", "alice-project", "bob-project");
        var name = $"shared-{width}";
        var id = await ActiveImageAsync(owner, name);

        var ownerPage = await browser.NewPageAsync(width, height);
        await browser.SignInAsync(ownerPage, owner, $"/compute/images/{id}");
        await ownerPage.GetByRole(AriaRole.Button, new() { Name = "Share image" }).ClickAsync();
        var dialog = ownerPage.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Account name").FillAsync(memberAccount);
        await ScreenshotAsync(ownerPage, $"sharing-dialog-{width}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await Assertions.Expect(ownerPage.GetByText($"“{name}” is shared with {memberAccount}; it is pending until they accept it.")).ToBeVisibleAsync();
        var ownersMember = ownerPage.GetByTestId("member");
        await Assertions.Expect(ownersMember).ToContainTextAsync(memberAccount);
        await Assertions.Expect(ownersMember).ToContainTextAsync("Pending");

        var memberPage = await browser.NewPageAsync(width, height);
        await browser.SignInAsync(memberPage, member, "/compute/images?tab=shared");
        var shared = memberPage.GetByRole(AriaRole.Region, new() { Name = "Images shared with your account" });
        await Assertions.Expect(shared.GetByRole(AriaRole.Link, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(shared).ToContainTextAsync(ownerAccount);
        await Assertions.Expect(shared).ToContainTextAsync("Pending");
        await ScreenshotAsync(memberPage, $"shared-with-me-pending-{width}");
        await shared.GetByRole(AriaRole.Button, new() { Name = $"Accept: {name}" }).ClickAsync();
        await Assertions.Expect(shared).ToContainTextAsync("Accepted");

        // The owner's open page hears the answer by itself.
        await Assertions.Expect(ownersMember).ToContainTextAsync("Accepted");

        await shared.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Assertions.Expect(memberPage.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(memberPage.GetByTestId("shared-by")).ToHaveTextAsync($"Shared with your account by {ownerAccount}.");
        await Assertions.Expect(memberPage.GetByRole(AriaRole.Link, new() { Name = "Download", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(memberPage.GetByRole(AriaRole.Button, new() { Name = "Delete image" })).ToHaveCountAsync(0);
        await Assertions.Expect(memberPage.GetByRole(AriaRole.Button, new() { Name = "Share image" })).ToHaveCountAsync(0);
        await ScreenshotAsync(memberPage, $"shared-details-member-{width}");
        await ScreenshotAsync(ownerPage, $"sharing-card-owner-{width}");

        await ownerPage.GetByRole(AriaRole.Button, new() { Name = $"Remove member: {memberAccount}" }).ClickAsync();
        var confirm = ownerPage.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(confirm).ToContainTextAsync($"Stop sharing “{name}” with {memberAccount}?");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
        await Assertions.Expect(ownerPage.GetByTestId("no-members")).ToBeVisibleAsync();

        // The member's open details page leaves the image that is no longer theirs to see; the tab no longer lists it.
        await Assertions.Expect(memberPage).ToHaveURLAsync(new Regex("/compute/images$"));
        await memberPage.GotoAsync("/compute/images?tab=shared");
        await BrowserFixture.WaitForCircuitAsync(memberPage);
        await Assertions.Expect(memberPage.GetByTestId("shared-empty")).ToBeVisibleAsync();

        foreach (var page in new[] { ownerPage, memberPage })
        {
            var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(scrollWidth <= width, $"The page scrolls sideways: {scrollWidth} px wide.");
            Assert.Empty(browser.CspViolationsOn(page));
        }
    }

    private async Task<Guid> ActiveImageAsync(string email, string name)
    {
        var (_, token) = await browser.App.ApiTokenAsync(email);
        using var api = browser.App.ApiClient(token);
        var (image, _) = await browser.App.NewQueuedImageAsync(email, name);
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new GeneratedContent(1 << 20)));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        return (await browser.App.WaitForStatusAsync(image.Id, ImageStatus.Active)).Id;
    }
}
