using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Images;
using Portal.Images.Pages;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageDetailsPageTests : PortalComponentTest
{
    private IRenderedComponent<ImageDetailsPage> RenderDetails(Guid id) =>
        Render<ImageDetailsPage>(p => p.Add(d => d.Id, id));

    private static AngleSharp.Dom.IElement Button(IRenderedComponent<ImageDetailsPage> page, string text) =>
        page.FindAll("button").Single(b => b.TextContent.Trim() == text);

    [Fact]
    public async Task DeleteIsDisabledWithTheReasonWhileProtected()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "precious", isProtected: true);
        RenderProviders();

        var page = RenderDetails(image.Id);

        page.WaitForAssertion(() => Assert.True(Button(page, "Delete image").HasAttribute("disabled")));
        Assert.Contains("Unprotect it first", page.Find("[data-testid=delete-blocked-reason]").TextContent);
    }

    [Fact]
    public async Task ShowsEveryFieldIncludingBothHashes()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "full", size: 2048);
        RenderProviders();

        var page = RenderDetails(image.Id);

        page.WaitForAssertion(() => Assert.Contains("full", page.Find("h1").TextContent));
        Assert.Equal(image.Checksum, page.Find("[data-testid=checksum]").TextContent);
        Assert.Equal(image.OsHashValue, page.Find("[data-testid=sha512]").TextContent);
        foreach (var label in new[] { "ID", "Status", "Visibility", "Owner", "Architecture", "Disk format", "Container format", "Minimum disk", "Minimum RAM", "Size", "Virtual size", "Created", "Updated" })
        {
            Assert.Contains(page.FindAll("dt"), dt => dt.TextContent == label);
        }

        Assert.NotNull(page.Find("button[aria-label='Copy checksum']"));
        Assert.NotNull(page.Find("button[aria-label='Copy SHA-512']"));
    }

    [Theory]
    [InlineData(true, "Checksum copied to the clipboard.")]
    [InlineData(false, "The browser did not allow copying. Select the text and copy it by hand.")]
    public async Task CopyChecksumHandsTheChecksumToTheBrowsersClipboardAndSaysWhetherItWorked(bool browserCopied, string message)
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "hashed");
        RenderProviders();
        JSInterop.Setup<bool>("portal.copyText", _ => true).SetResult(browserCopied);
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => page.Find("button[aria-label='Copy checksum']"));

        // Found and clicked in one step on the renderer: the page's other cards may still be arriving (PostgreSQL answers asynchronously).
        await page.InvokeAsync(() => page.Find("button[aria-label='Copy checksum']").Click());

        page.WaitForAssertion(() => Assert.Equal([image.Checksum], JSInterop.VerifyInvoke("portal.copyText").Arguments));
        page.WaitForAssertion(() => Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message == message));
    }

    [Fact]
    public async Task SwitchingProtectedOnIsSavedAndDisablesDelete()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "toggle");
        RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.False(Button(page, "Delete image").HasAttribute("disabled")));

        page.Find("input[type=checkbox]").Change(true);

        page.WaitForAssertion(() => Assert.True(Button(page, "Delete image").HasAttribute("disabled")));
        Assert.True((await Harness.Service.GetAsync(Callers.Alice, image.Id)).IsProtected);
    }

    [Fact]
    public async Task DeleteAsksForConfirmationNamingTheImageThenDeletes()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "doomed-image");
        var dialogs = RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.False(Button(page, "Delete image").HasAttribute("disabled")));

        Button(page, "Delete image").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("doomed-image", dialogs.Find(".mud-dialog").TextContent));
        Assert.Contains("You can restore it from Recently deleted for 24 hours", dialogs.Find(".mud-dialog").TextContent);
        Assert.Equal(ImageStatus.Active, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status);
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        // It went to Recently deleted, and the page says so by going there.
        page.WaitForAssertion(() => Assert.EndsWith("/compute/images?tab=deleted", Services.GetRequiredService<NavigationManager>().Uri));
        Assert.Equal(ImageStatus.PendingDelete, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.True(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
    }

    [Fact]
    public async Task CancellingTheConfirmationKeepsTheImage()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "kept");
        var dialogs = RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.False(Button(page, "Delete image").HasAttribute("disabled")));

        Button(page, "Delete image").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        Assert.Equal(ImageStatus.Active, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.True(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
    }

    [Fact]
    public async Task CustomerCannotChangeAPublicImageFromItsPage()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Ubuntu 24.04 LTS", ImageVisibility.Public);
        RenderProviders();

        var page = RenderDetails(image.Id);

        page.WaitForAssertion(() => Assert.Equal(ImagePolicy.OnlyOperatorChangesCatalog, page.Find("[data-testid=edit-blocked-reason]").TextContent));
        Assert.True(page.Find("input[type=checkbox]").HasAttribute("disabled"));
        Assert.True(Button(page, "Delete image").HasAttribute("disabled"));
        Assert.Contains("Only the platform operator", page.Find("[data-testid=delete-blocked-reason]").TextContent);
    }

    [Fact]
    public async Task InvalidEditShowsTheValidatorsMessageInlineAndSavesNothing()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "named");
        RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.Contains("Save changes", page.Markup));

        var nameInput = page.FindAll("input").First(i => i.GetAttribute("value") == "named");
        nameInput.Input("bad\tname");
        Button(page, "Save changes").Click();

        page.WaitForAssertion(() => Assert.Contains("control characters", page.Markup));
        Assert.Equal("named", (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Name);
    }

    [Fact]
    public async Task ValidEditIsSaved()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.Contains("Save changes", page.Markup));

        page.FindAll("input").First(i => i.GetAttribute("value") == "before").Input("after");
        Button(page, "Save changes").Click();

        await page.WaitForAssertionAsync(async () => Assert.Equal("after", (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Name));
        page.WaitForAssertion(() => Assert.Contains("after", page.Find("h1").TextContent));
    }

    [Fact]
    public async Task ProgressOfTheRunningImportShowsAsItIsReported()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Alice, "incoming", totalBytes: 1000);
        RenderProviders();
        var page = RenderDetails(import.Image.Id);
        page.WaitForAssertion(() => Assert.Contains("Importing from", page.Find("[data-testid=transfer]").TextContent));

        import.Report(400);

        page.WaitForAssertion(() => Assert.Equal("Importing 40%", page.Find(".portal-status-chip").TextContent.Trim()));
        Assert.Contains("400 bytes of 1 kB", page.Find("[data-testid=transfer]").TextContent);
    }

    [Fact]
    public async Task AChangeMadeElsewhereShowsUp()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.Contains("before", page.Find("h1").TextContent));

        await Harness.Service.SetProtectedAsync(Callers.AliceColleague, image.Id, true);

        page.WaitForAssertion(() => Assert.Contains(page.FindAll(".mud-chip"), chip => chip.TextContent.Trim() == "Protected"));
        Assert.True(Button(page, "Delete image").HasAttribute("disabled"));
    }

    [Fact]
    public async Task DeletionElsewhereShowsTheImageAsRecentlyDeletedThenAPermanentDeletionLeavesForTheImageList()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "short-lived");
        RenderProviders();
        var page = RenderDetails(image.Id);
        page.WaitForAssertion(() => Assert.Contains("short-lived", page.Find("h1").TextContent));

        await Harness.Service.DeleteAsync(Callers.AliceColleague, image.Id);

        page.WaitForAssertion(() => Assert.Contains("It can be restored for 24 h", page.Find("[data-testid=pending-delete-alert]").TextContent));
        Assert.Contains("Pending delete", page.Find(".portal-status-chip").TextContent);
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() == "Delete image");

        await Harness.Service.DeletePermanentlyAsync(Callers.AliceColleague, image.Id);

        page.WaitForAssertion(() => Assert.EndsWith("/compute/images", Services.GetRequiredService<NavigationManager>().Uri));
    }

    [Fact]
    public async Task AnUnknownImageIsNotFound()
    {
        var bobs = await Harness.AddImageAsync(Callers.Bob, "bobs-secret");
        RenderProviders();

        var page = RenderDetails(bobs.Id);

        Assert.DoesNotContain("bobs-secret", page.Markup);
        Assert.Empty(page.FindAll("h1"));
    }
}
