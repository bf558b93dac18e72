using Bunit;
using Portal.Images;
using Portal.Images.RecentlyDeleted;
using Portal.Tests.Support;

namespace Portal.Tests.Components.RecentlyDeleted;

/// <summary>The Recently deleted tab: time left, and buttons bound to the policy's answers.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class RecentlyDeletedListTests : PortalComponentTest
{
    private static AngleSharp.Dom.IElement Button(IRenderedComponent<RecentlyDeletedList> list, string text) =>
        list.FindAll("button").Single(b => b.TextContent.Trim() == text);

    private async Task<Image> DeletedAsync(Portal.Accounts.Caller owner, string name)
    {
        var image = await Harness.AddImageAsync(owner, name);
        await Harness.Service.DeleteAsync(owner, image.Id);
        return image;
    }

    [Fact]
    public async Task EmptyListExplainsTheFeatureWithTheConfiguredWindow()
    {
        await Harness.AddImageAsync(Callers.Alice, "still-active");
        RenderProviders();

        var list = Render<RecentlyDeletedList>();

        list.WaitForAssertion(() => list.Find("[data-testid=recently-deleted-empty]"));
        Assert.StartsWith("Deleted images stay here for 24 hours with their data", list.Find("[data-testid=recently-deleted-intro]").TextContent.Trim());
        Assert.DoesNotContain("still-active", list.Markup);
    }

    [Fact]
    public async Task ListShowsTheCallersDeletedImagesWithTheTimeLeftAndBothActions()
    {
        await DeletedAsync(Callers.Alice, "ubuntu-22");
        await DeletedAsync(Callers.Bob, "bobs-deleted");
        Harness.Clock.Advance(TimeSpan.FromMinutes(47));
        RenderProviders();

        var list = Render<RecentlyDeletedList>();

        list.WaitForAssertion(() => Assert.Contains("ubuntu-22", list.Markup));
        Assert.DoesNotContain("bobs-deleted", list.Markup);
        Assert.Equal("Restorable for 23 h 12 min", list.Find("[data-testid=time-left]").TextContent.Trim());
        Assert.False(Button(list, "Restore image").HasAttribute("disabled"));
        Assert.False(Button(list, "Delete permanently").HasAttribute("disabled"));
        Assert.Equal("Restore image: ubuntu-22", Button(list, "Restore image").GetAttribute("aria-label"));
        Assert.Equal("Delete permanently: ubuntu-22", Button(list, "Delete permanently").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task PastTheWindowRestoreIsDisabledWithThePolicysReason()
    {
        await DeletedAsync(Callers.Alice, "too-late");
        Harness.Clock.Advance(TimeSpan.FromHours(25));
        RenderProviders();

        var list = Render<RecentlyDeletedList>();

        list.WaitForAssertion(() => Assert.Equal("Being removed", list.Find("[data-testid=time-left]").TextContent.Trim()));
        Assert.True(Button(list, "Restore image").HasAttribute("disabled"));
        Assert.Equal(ImagePolicy.RestoreWindowPassed, list.Find("[data-testid=restore-blocked-reason]").TextContent.Trim());
        Assert.False(Button(list, "Delete permanently").HasAttribute("disabled"));
    }

    [Fact]
    public async Task RestoreImageBringsItBackAndTakesItOffTheList()
    {
        var image = await DeletedAsync(Callers.Alice, "bring-back");
        RenderProviders();
        var list = Render<RecentlyDeletedList>();
        list.WaitForAssertion(() => Assert.Contains("bring-back", list.Markup));

        Button(list, "Restore image").Click();

        list.WaitForAssertion(() => list.Find("[data-testid=recently-deleted-empty]"));
        Assert.Equal(ImageStatus.Active, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status);
    }

    [Fact]
    public async Task DeletePermanentlyAsksNamingTheImageThenRemovesItsData()
    {
        var image = await DeletedAsync(Callers.Alice, "ubuntu-22");
        var dialogs = RenderProviders();
        var list = Render<RecentlyDeletedList>();
        list.WaitForAssertion(() => Assert.Contains("ubuntu-22", list.Markup));

        Button(list, "Delete permanently").Click();

        dialogs.WaitForAssertion(() => Assert.Contains(
            "Delete “ubuntu-22” permanently? Its data is removed now and cannot be restored.", dialogs.Find(".mud-dialog").TextContent));
        Assert.True(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete permanently").Click();

        list.WaitForAssertion(() => list.Find("[data-testid=recently-deleted-empty]"));
        Assert.False(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Harness.Service.GetAsync(Callers.Alice, image.Id));
    }
}
