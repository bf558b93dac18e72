using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace Portal.Tests.Support;

/// <summary>
/// The portal on a real Kestrel port and Debian's Chromium driven by Playwright (no browser download:
/// test.sh installs the chromium package).
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public KestrelPortal App { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Settings a test class needs beyond the defaults (applied before the server starts).</summary>
    protected virtual void Configure(KestrelPortal app)
    {
    }

    public async Task InitializeAsync()
    {
        // A shared two-core machine can take a few seconds to answer; the defaults (5 s) make busy runs flaky.
        Assertions.SetDefaultExpectTimeout(15_000);
        Configure(App);
        await App.InitializeAsync();
        BaseUrl = App.ClientOptions.BaseAddress.ToString().TrimEnd('/');

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Blazor Server prerenders: wait until the page's circuit has rendered before clicking.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.WaitForSelectorAsync("body[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    public async Task SignInAsync(IPage page, string email, string? returnPath = null)
    {
        await page.GotoAsync(returnPath is null ? "/account/sign-in" : $"/account/sign-in?returnUrl={Uri.EscapeDataString(returnPath)}");
        await WaitForCircuitAsync(page);
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(PortalAppFactory.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/compute/images**");
        await WaitForCircuitAsync(page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}
