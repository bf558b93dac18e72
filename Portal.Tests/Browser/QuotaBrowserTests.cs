using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>Every account may keep 50 MB of private images.</summary>
public sealed class SmallQuotaBrowser : BrowserFixture
{
    protected override void Configure(KestrelPortal app) => app.With("Portal:Storage:DefaultQuotaGb", "0.05");
}

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class QuotaBrowserTests(SmallQuotaBrowser browser, UploadFiles files) : IClassFixture<SmallQuotaBrowser>, IClassFixture<UploadFiles>
{
    [Fact]
    public async Task CustomerAtTheirQuotaSeesAClearRefusal()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await Assertions.Expect(page.GetByTestId("usage-quota")).ToContainTextAsync("Quota 50 MB");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(files.Random);
        await Assertions.Expect(dialog.GetByTestId("picked-file")).ToBeVisibleAsync();
        await Assertions.Expect(dialog.GetByTestId("quota-warning")).ToContainTextAsync("your quota is 50 MB");

        // The customer tries anyway: the server refuses while the bytes arrive.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();

        var upload = page.GetByTestId("upload").Filter(new() { HasText = "ci-runner-2" });
        await Assertions.Expect(upload).ToHaveAttributeAsync("data-outcome", "failed", new() { Timeout = 30_000 });
        await Assertions.Expect(upload.GetByRole(AriaRole.Alert))
            .ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^This upload would take your private images to 10\d\.\d MB; your quota is 50 MB\.$"));

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "ci-runner-2" });
        await Assertions.Expect(row).ToContainTextAsync("Queued");
        await row.GetByRole(AriaRole.Link, new() { Name = "ci-runner-2" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("status-reason")).ToContainTextAsync("your quota is 50 MB");
    }
}
