using Microsoft.Playwright;

namespace Portal.Tests.Support;

/// <summary>Two portal instances on one database (<see cref="PortalPair"/>) and Debian's Chromium, for pages open on either.</summary>
public class PortalPairBrowser : PortalPair
{
    private IPlaywright? _playwright;

    public PortalPairBrowser()
    {
    }

    protected PortalPairBrowser(bool postgreSql)
        : base(postgreSql)
    {
    }

    public IBrowser Browser { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A page of its own (own cookies) on <paramref name="instance"/>, signed in as <paramref name="email"/> through the form.</summary>
    public async Task<IPage> SignedInPageAsync(KestrelPortal instance, string email)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = instance.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInThroughFormAsync(page, email);
        return page;
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
