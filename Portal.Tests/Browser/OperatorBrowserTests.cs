using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class OperatorBrowserTests(BrowserFixture browser, UploadFiles files) : IClassFixture<BrowserFixture>, IClassFixture<UploadFiles>
{
    [Fact]
    public async Task OperatorPublishesAnImageThenTakesItOutOfUse()
    {
        var op = await browser.NewPageAsync();
        await browser.SignInAsync(op, "operator@demo.local");
        await op.GetByRole(AriaRole.Tab, new() { Name = "Public images" }).ClickAsync();
        await op.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = op.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByLabel("Public")).ToBeEnabledAsync();
        await dialog.Locator("input[type=file]").SetInputFilesAsync(files.Disguised);
        await dialog.GetByLabel("Name").FillAsync("openSUSE Leap 16.0");
        await dialog.GetByText("Public", new() { Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();

        var row = op.GetByRole(AriaRole.Row).Filter(new() { HasText = "openSUSE Leap 16.0" });
        await Assertions.Expect(row).ToContainTextAsync("Active", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("public");

        // A customer sees it in the catalog …
        var customer = await browser.NewPageAsync();
        await browser.SignInAsync(customer, "bob@demo.local", "/compute/images?tab=public");
        await Assertions.Expect(customer.GetByRole(AriaRole.Link, new() { Name = "openSUSE Leap 16.0" })).ToBeVisibleAsync();

        // … until the operator deactivates it; the customer's open page updates by itself.
        await row.GetByRole(AriaRole.Link, new() { Name = "openSUSE Leap 16.0" }).ClickAsync();
        await op.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Assertions.Expect(op.GetByTestId("deactivated-note")).ToHaveTextAsync("Deactivated. " + Portal.Images.ImageAccess.CustomersSeeActiveOnly);
        await Assertions.Expect(customer.GetByRole(AriaRole.Link, new() { Name = "openSUSE Leap 16.0" })).ToHaveCountAsync(0);

        await op.GetByRole(AriaRole.Button, new() { Name = "Reactivate" }).ClickAsync();
        await Assertions.Expect(customer.GetByRole(AriaRole.Link, new() { Name = "openSUSE Leap 16.0" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task AnOperatorsCommunityImageIsInThePublicCatalogForEveryone()
    {
        var op = await browser.NewPageAsync();
        await browser.SignInAsync(op, "operator@demo.local");
        await op.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = op.GetByRole(AriaRole.Dialog);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(files.Disguised);
        await dialog.GetByLabel("Name").FillAsync("Community Alpine 3.22");
        await dialog.GetByText("Community", new() { Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        await BrowserFixture.ExpectUploadCompletedAsync(op.GetByTestId("upload"), 30_000);

        // The catalog is public and community images together, for the operator …
        await op.GetByRole(AriaRole.Tab, new() { Name = "Public images" }).ClickAsync();
        var row = op.GetByRole(AriaRole.Row).Filter(new() { HasText = "Community Alpine 3.22" });
        await Assertions.Expect(row).ToContainTextAsync("Active", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("community");

        // … and for a customer, whose details page shows it too.
        var customer = await browser.NewPageAsync();
        await browser.SignInAsync(customer, "alice@demo.local", "/compute/images?tab=public");
        await customer.GetByRole(AriaRole.Link, new() { Name = "Community Alpine 3.22" }).ClickAsync();
        await Assertions.Expect(customer.GetByRole(AriaRole.Heading, new() { Name = "Community Alpine 3.22" })).ToBeVisibleAsync();
        await Assertions.Expect(customer.GetByTestId("edit-blocked-reason")).ToHaveTextAsync(Portal.Images.ImagePolicy.OnlyOperatorChangesCatalog);
    }

    [Fact]
    public async Task CustomersHaveNoOperatorControls()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local", "/compute/images?tab=public");

        await page.GetByRole(AriaRole.Link, new() { Name = "Debian 13" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("edit-blocked-reason")).ToHaveTextAsync(Portal.Images.ImagePolicy.OnlyOperatorChangesCatalog);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Storage quotas" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Protected" })).ToBeDisabledAsync();
    }
}
