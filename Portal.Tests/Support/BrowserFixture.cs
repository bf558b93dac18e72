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

    /// <summary>
    /// Waits for a browser upload (its panel, <c>data-testid=upload</c>) to end and asserts it completed; a failed or
    /// aborted one fails the test with the message the customer saw, not just the outcome's name.
    /// </summary>
    public static async Task ExpectUploadCompletedAsync(ILocator upload, int timeoutMs)
    {
        await Assertions.Expect(upload).Not.ToHaveAttributeAsync("data-outcome", "running", new() { Timeout = timeoutMs });
        var outcome = await upload.GetAttributeAsync("data-outcome");
        Assert.True(outcome == "completed", $"The upload ended {outcome}: {await upload.InnerTextAsync()}");
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);

        // Every page any browser test opens reports Content-Security-Policy violations here: a policy that breaks
        // a page (a blocked script, style or websocket) fails the tests instead of passing silently.
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));");
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.StartsWith("CSP violation", StringComparison.Ordinal))
            {
                lock (_cspViolations)
                {
                    _cspViolations.Add((page, $"{page.Url}: {message.Text}"));
                }
            }
        };
        return page;
    }

    private readonly List<(IPage Page, string Text)> _cspViolations = [];
    private readonly HashSet<IPage> _pagesThatProvokeViolations = [];

    /// <summary>The Content-Security-Policy violations reported so far by the pages of this fixture (except provoking ones).</summary>
    public IReadOnlyList<string> CspViolations
    {
        get
        {
            lock (_cspViolations)
            {
                return [.. _cspViolations.Where(v => !_pagesThatProvokeViolations.Contains(v.Page)).Select(v => v.Text)];
            }
        }
    }

    public IReadOnlyList<string> CspViolationsOn(IPage page)
    {
        lock (_cspViolations)
        {
            return [.. _cspViolations.Where(v => v.Page == page).Select(v => v.Text)];
        }
    }

    /// <summary>A test that injects a script on purpose: its page's violations do not fail the fixture.</summary>
    public void ProvokesViolations(IPage page)
    {
        lock (_cspViolations)
        {
            _pagesThatProvokeViolations.Add(page);
        }
    }

    /// <summary>Blazor Server prerenders: wait until the page's circuit has rendered before clicking.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.WaitForSelectorAsync("body[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    public Task SignInAsync(IPage page, string email, string? returnPath = null) => SignInThroughFormAsync(page, email, returnPath: returnPath);

    /// <summary>Signs in on the page's portal through the sign-in form, as a person does, and waits for the landing page's circuit.</summary>
    public static async Task SignInThroughFormAsync(IPage page, string email, string password = PortalAppFactory.DemoPassword, string? returnPath = null)
    {
        await page.GotoAsync(returnPath is null ? "/account/sign-in" : $"/account/sign-in?returnUrl={Uri.EscapeDataString(returnPath)}");
        await WaitForCircuitAsync(page);
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The landing page counts once its circuit is up; its "load" event (every icon fetched) can lag on a busy machine.
        // A fresh portal's first sign-in also pays for its cold start (password hashing, the first queries and pages
        // compiled), which took over the 15 s default once on a busy run: that one step gets a minute.
        await page.WaitForURLAsync("**/compute/images**", new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
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

        // Fails the test class whose pages broke the policy, whichever test opened them.
        if (CspViolations is { Count: > 0 } violations)
        {
            throw new InvalidOperationException("Content-Security-Policy violations:\n" + string.Join("\n", violations));
        }
    }
}
