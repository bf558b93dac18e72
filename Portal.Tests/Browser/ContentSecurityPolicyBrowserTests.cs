using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class ContentSecurityPolicyBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ThePagesWorkUnderTheContentSecurityPolicy()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "operator@demo.local");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Public images" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await page.GotoAsync("/compute/quotas");
        await BrowserFixture.WaitForCircuitAsync(page);

        // The circuit connected (WaitForCircuitAsync) and the dialog opened: scripts and the websocket ran.
        Assert.Empty(browser.CspViolationsOn(page));
    }

    [Fact]
    public async Task AnInlineScriptIsBlockedAndReported()
    {
        var page = await browser.NewPageAsync();
        browser.ProvokesViolations(page);
        await page.GotoAsync("/account/sign-in");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.appendChild(s); }");

        await Eventually.TrueAsync(() => browser.CspViolationsOn(page).Count > 0);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.injected ?? null"));
    }
}
