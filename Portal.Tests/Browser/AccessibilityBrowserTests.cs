using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Accounts;
using Portal.Components.Layout;
using Portal.Data;
using Portal.Images;
using Portal.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Tests.Browser;

/// <summary>
/// The demo data plus images in the other statuses a page can show, so that axe sees every status chip and alert
/// colour, not only the demo catalog's "Active".
/// </summary>
public sealed class AccessibilityBrowser : BrowserFixture, IAsyncLifetime
{
    public const string RefusedUpload = "nightly-build";
    public const string FailedImport = "legacy-appliance";
    public const string Uploading = "ci-runner-next";
    public const string DeactivatedPublic = "CentOS Stream 10";
    public const string RecentlyDeleted = "ci-runner";
    public const string SharedByBob = "postgres-16-base";

    /// <summary>The seeded images' ids by name.</summary>
    public Dictionary<string, Guid> Ids { get; } = [];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();

        // Each state is reached through the entity's own transitions, as a transfer would leave it.
        var alice = await App.CallerAsync("alice@demo.local");
        var images = App.Services.GetRequiredService<ImageService>();
        var now = App.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await ChangeAsync(await CreateAsync(images, alice, RefusedUpload), image =>
        {
            image.BeginTransfer(alice, ImageStatus.Saving, now);
            image.AbandonTransfer("Declared qcow2, but the data is a raw disk image.", now);
        });
        await ChangeAsync(await CreateAsync(images, alice, FailedImport), image =>
        {
            image.BeginImport(alice, "https://images.example.com/legacy-appliance.qcow2", now);
            image.Kill("The image server answered 404 Not Found.", now);
        });
        await ChangeAsync(await CreateAsync(images, alice, Uploading), image => image.BeginTransfer(alice, ImageStatus.Saving, now));
        Ids[RecentlyDeleted] = (await images.DeleteAsync(alice, (await App.FindImageAsync(RecentlyDeleted)).Id)).Id;

        // Bob shares one of his images with Alice's account; she has not answered yet.
        var bob = await App.CallerAsync("bob@demo.local");
        var shared = await App.FindImageAsync(SharedByBob);
        await App.Services.GetRequiredService<Portal.Images.Sharing.ImageSharingService>().ShareAsync(bob, shared.Id, "alice-project");
        Ids[SharedByBob] = shared.Id;

        var op = await App.CallerAsync("operator@demo.local");
        Ids[DeactivatedPublic] = (await images.DeactivateAsync(op, (await App.FindImageAsync(DeactivatedPublic)).Id)).Id;
    }

    private static Task<Image> CreateAsync(ImageService images, Caller caller, string name) =>
        images.CreateAsync(caller, new CreateImageRequest
        {
            Name = name,
            Source = ImageSource.File,
            FileName = name + ".qcow2",
            FileSize = 1,
            DiskFormat = DiskFormat.Qcow2,
        });

    private async Task ChangeAsync(Image created, Action<Image> change)
    {
        Ids[created.Name] = created.Id;
        var factory = App.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var image = await db.Images.SingleAsync(i => i.Id == created.Id);
        change(image);
        await db.SaveChangesAsync();
    }
}

/// <summary>
/// axe-core's WCAG 2.0/2.1 A and AA rules over the pages a customer and the operator use, at desktop and phone width,
/// in light and dark mode. Nothing is excluded: a finding is fixed in the theme, the stylesheet or the markup.
/// </summary>
[Collection(HeavyTests.Name)]
[Trait(TestCategories.Category, TestCategories.Browser)]
public sealed class AccessibilityBrowserTests(AccessibilityBrowser browser, ITestOutputHelper output) : IClassFixture<AccessibilityBrowser>
{
    private static readonly AxeRunOptions WcagAa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    private readonly List<string> _findings = [];

    [Theory]
    [InlineData(1280, 900, "light")]
    [InlineData(1280, 900, "dark")]
    [InlineData(390, 844, "light")]
    [InlineData(390, 844, "dark")]
    public async Task PagesMeetWcag21AA(int width, int height, string mode)
    {
        // Until a person picks a mode with the app bar's toggle, the portal follows the browser's colour scheme.
        var dark = mode == "dark";

        var customer = await NewPageAsync(width, height, dark);
        await customer.GotoAsync("/account/sign-in");
        await BrowserFixture.WaitForCircuitAsync(customer);
        await AuditAsync(customer, "sign-in", dark);

        await browser.SignInAsync(customer, "alice@demo.local");
        await Assertions.Expect(customer.GetByRole(AriaRole.Link, new() { Name = AccessibilityBrowser.FailedImport })).ToBeVisibleAsync();
        await AuditAsync(customer, "Private images", dark);

        await customer.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = customer.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByText("Drag an image file here")).ToBeVisibleAsync();
        await AuditAsync(customer, "create dialog", dark);
        await dialog.GetByText("URL", new() { Exact = true }).ClickAsync();
        await dialog.GetByText("Advanced", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Minimum RAM (MB)")).ToBeVisibleAsync();
        await AuditAsync(customer, "create dialog, URL and advanced", dark);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        await customer.GetByRole(AriaRole.Tab, new() { Name = "Public images" }).ClickAsync();
        await Assertions.Expect(customer.GetByRole(AriaRole.Link, new() { Name = "Debian 13" })).ToBeVisibleAsync();
        await AuditAsync(customer, "Public images", dark);

        await customer.GotoAsync("/compute/images?tab=deleted");
        await BrowserFixture.WaitForCircuitAsync(customer);
        await Assertions.Expect(customer.GetByRole(AriaRole.Button, new() { Name = $"Restore image: {AccessibilityBrowser.RecentlyDeleted}" })).ToBeVisibleAsync();
        await AuditAsync(customer, "Recently deleted", dark);

        await customer.GotoAsync("/compute/images?tab=shared");
        await BrowserFixture.WaitForCircuitAsync(customer);
        await Assertions.Expect(customer.GetByRole(AriaRole.Button, new() { Name = $"Accept: {AccessibilityBrowser.SharedByBob}" })).ToBeVisibleAsync();
        await AuditAsync(customer, "Shared with me", dark);

        await OpenDetailsAsync(customer, AccessibilityBrowser.SharedByBob);
        await Assertions.Expect(customer.GetByTestId("accept-share")).ToBeVisibleAsync();
        await AuditAsync(customer, "details of an image shared with the account, not answered yet", dark);

        await OpenDetailsAsync(customer, AccessibilityBrowser.RecentlyDeleted);
        await Assertions.Expect(customer.GetByTestId("pending-delete-alert")).ToBeVisibleAsync();
        await AuditAsync(customer, "details of a recently deleted image", dark);

        await OpenDetailsAsync(customer, AccessibilityBrowser.RefusedUpload);
        await Assertions.Expect(customer.GetByTestId("status-reason")).ToBeVisibleAsync();
        await AuditAsync(customer, "details of a queued image with its refusal", dark);

        await OpenDetailsAsync(customer, AccessibilityBrowser.FailedImport);
        await Assertions.Expect(customer.GetByTestId("status-reason")).ToBeVisibleAsync();
        await AuditAsync(customer, "details of a killed image", dark);

        await customer.GetByRole(AriaRole.Button, new() { Name = "User menu: alice@demo.local" }).ClickAsync();
        var credentialsItem = customer.GetByRole(AriaRole.Menuitem, new() { Name = "Application credentials" });
        await Assertions.Expect(credentialsItem).ToBeVisibleAsync();
        await AuditAsync(customer, "user menu", dark);
        await credentialsItem.ClickAsync();
        await Assertions.Expect(customer.GetByRole(AriaRole.Heading, new() { Name = "Application credentials", Level = 1 })).ToBeVisibleAsync();
        await AuditAsync(customer, "Application credentials", dark);
        await customer.GetByRole(AriaRole.Button, new() { Name = "Create application credential" }).ClickAsync();
        var create = customer.GetByRole(AriaRole.Dialog);
        await create.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Assertions.Expect(create.GetByText("Give the credential a name.")).ToBeVisibleAsync();
        await AuditAsync(customer, "create credential dialog with a validation message", dark);
        await create.GetByLabel("Name").FillAsync($"axe-{width}-{mode}");
        await create.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Assertions.Expect(customer.GetByLabel("Secret", new() { Exact = true })).ToBeVisibleAsync();
        await AuditAsync(customer, "new credential with its secret", dark);
        await customer.Context.CloseAsync();

        var op = await NewPageAsync(width, height, dark);
        await browser.SignInAsync(op, "operator@demo.local", "/compute/images?tab=public");
        await Assertions.Expect(op.GetByRole(AriaRole.Link, new() { Name = AccessibilityBrowser.DeactivatedPublic })).ToBeVisibleAsync();
        await AuditAsync(op, "Public images (operator)", dark);

        await op.GotoAsync("/compute/quotas");
        await BrowserFixture.WaitForCircuitAsync(op);
        await Assertions.Expect(op.GetByText("alice-project")).ToBeVisibleAsync();
        await AuditAsync(op, "Storage quotas", dark);

        await OpenDetailsAsync(op, AccessibilityBrowser.DeactivatedPublic);
        await Assertions.Expect(op.GetByRole(AriaRole.Button, new() { Name = "Reactivate" })).ToBeVisibleAsync();
        await AuditAsync(op, "details of a deactivated public image (operator)", dark);
        await op.Context.CloseAsync();

        Assert.True(_findings.Count == 0,
            $"axe found WCAG 2.1 A/AA violations at {width} px in {mode} mode:{Environment.NewLine}{string.Join(Environment.NewLine, _findings)}");
    }

    private async Task<IPage> NewPageAsync(int width, int height, bool dark)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = browser.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private async Task OpenDetailsAsync(IPage page, string name)
    {
        await page.GotoAsync($"/compute/images/{browser.Ids[name]}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();
    }

    private async Task AuditAsync(IPage page, string what, bool dark)
    {
        // The audit must see the mode it claims to check, and no colour half-way through a transition.
        var palette = dark ? (MudBlazor.Palette)PortalTheme.Theme.PaletteDark : PortalTheme.Theme.PaletteLight;
        var background = $"rgb({palette.Background.R}, {palette.Background.G}, {palette.Background.B})";
        await page.WaitForFunctionAsync("expected => getComputedStyle(document.body).backgroundColor === expected", background);
        await page.WaitForFunctionAsync(
            "() => document.getAnimations().every(a => a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity)");

        var result = await page.RunAxe(WcagAa);
        foreach (var violation in result.Violations)
        {
            var finding = new StringBuilder($"- [{what}] {violation.Id} ({violation.Impact}): {violation.Help} <{violation.HelpUrl}>");
            foreach (var node in violation.Nodes)
            {
                finding.AppendLine().Append($"    {node.Target}: {node.Html}");
                foreach (var check in node.Any.Concat(node.All).Concat(node.None))
                {
                    finding.AppendLine().Append($"      {check.Message}");
                }
            }

            _findings.Add(finding.ToString());
        }

        // What axe cannot decide (text under an open dialog's overlay, empty inputs) is listed for a person to look at.
        output.WriteLine($"[{what}] {result.Passes.Length} rules passed, {result.Violations.Length} violated; needs review: "
            + string.Join(", ", result.Incomplete.Select(r => $"{r.Id} ({r.Nodes.Length})")));
    }
}
