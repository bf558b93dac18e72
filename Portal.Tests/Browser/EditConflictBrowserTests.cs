using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class EditConflictBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private async Task<IPage> OpenDetailsAsync(string imageName)
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await page.GetByRole(AriaRole.Link, new() { Name = imageName }).ClickAsync();
        await page.WaitForURLAsync("**/compute/images/*");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = imageName })).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task AnEditSavedInAnotherTabMeanwhileIsShownAndNeitherEditIsLost()
    {
        var mine = await OpenDetailsAsync("ci-runner");
        var theirs = await OpenDetailsAsync("ci-runner");

        await mine.GetByLabel("Name", new() { Exact = true }).FillAsync("ci-runner-renamed");
        await theirs.GetByLabel("Description").FillAsync("Described in the other tab");
        await theirs.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(theirs.GetByText("Changes saved.")).ToBeVisibleAsync();

        await mine.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        var conflict = mine.GetByTestId("edit-conflict");
        await Assertions.Expect(conflict).ToContainTextAsync("Someone else changed this image while you were editing, so your changes were not saved yet.");
        await Assertions.Expect(conflict.GetByRole(AriaRole.Listitem)).ToHaveTextAsync(["Description: Described in the other tab"]);
        await Assertions.Expect(mine.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("ci-runner-renamed");
        await Assertions.Expect(mine.GetByLabel("Description")).ToHaveValueAsync("Described in the other tab");

        await mine.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Assertions.Expect(mine.GetByText("Changes saved.")).ToBeVisibleAsync();
        await Assertions.Expect(conflict).ToBeHiddenAsync();
        await Assertions.Expect(mine.GetByRole(AriaRole.Heading, new() { Name = "ci-runner-renamed" })).ToBeVisibleAsync();

        // The other tab's untouched form follows by itself.
        await Assertions.Expect(theirs.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("ci-runner-renamed");
        await Assertions.Expect(theirs.GetByLabel("Description")).ToHaveValueAsync("Described in the other tab");
    }
}
