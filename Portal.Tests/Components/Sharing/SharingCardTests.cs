using Bunit;
using MudBlazor;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Pages;
using Portal.Images.Sharing;
using Portal.Tests.Components.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Sharing;

/// <summary>The Sharing card for the owner (members, Share image, Remove) and for a member (shared by, Accept / Reject).</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SharingCardTests : DetailsCardTest
{
    private ImageSharingService Sharing => Harness.Get<ImageSharingService>();

    private IRenderedComponent<SharingCard> RenderSharing(Image image, Caller caller) =>
        RenderCard<SharingCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller));

    private async Task<Image> FreshAsync(Guid id, Caller caller) => await Harness.Service.GetAsync(caller, id);

    [Fact]
    public async Task TheOwnerSharesByTheExactAccountNameAndTheMemberShowsAsPending()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        var card = RenderSharing(image, Callers.Alice);
        Assert.Equal("Not shared with any account.", card.Find("[data-testid=no-members]").TextContent.Trim());

        Button(card, "Share image").Click();
        Dialogs.WaitForAssertion(() => Dialogs.Find("[data-testid=share-account-name] input"));
        Assert.Empty(Dialogs.FindAll("[data-testid=share-account-select]"));
        Dialogs.Find("[data-testid=share-account-name] input").Input("bob-project");
        Dialogs.Find("[data-testid=share-submit]").Click();

        card.WaitForAssertion(() => Assert.Contains(Snackbars, s => s.Message == "“partner-disk” is shared with bob-project; it is pending until they accept it."));
        var shared = await FreshAsync(image.Id, Callers.Alice);
        Assert.Equal(ImageVisibility.Shared, shared.Visibility);
        var again = Render<Portal.Components.Shared.ActionRunner>(r => r.AddChildContent<SharingCard>(
            p => p.Add(c => c.Image, shared).Add(c => c.Caller, Callers.Alice))).FindComponent<SharingCard>();
        again.WaitForAssertion(() => Assert.Equal("bob-project", again.Find("[data-testid=member]").GetAttribute("data-account")));
        Assert.Equal("pending", again.Find("[data-member-status]").GetAttribute("data-member-status"));
    }

    [Fact]
    public async Task AnUnknownAccountNameIsSaidInTheDialogAndNothingIsShared()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        var card = RenderSharing(image, Callers.Alice);

        Button(card, "Share image").Click();
        Dialogs.WaitForAssertion(() => Dialogs.Find("[data-testid=share-account-name] input"));
        Dialogs.Find("[data-testid=share-account-name] input").Input("nobody");
        Dialogs.Find("[data-testid=share-submit]").Click();

        Dialogs.WaitForAssertion(() => Assert.Equal("There is no account named 'nobody'.", Dialogs.Find("[data-testid=share-error]").TextContent.Trim()));
        Assert.Empty((await FreshAsync(image.Id, Callers.Alice)).Members);
    }

    [Fact]
    public async Task TheOperatorPicksTheAccountFromAList()
    {
        SignInAs(Callers.Operator);
        var image = await Harness.AddImageAsync(Callers.Operator, "platform-private");
        var card = RenderSharing(image, Callers.Operator);

        Button(card, "Share image").Click();

        Dialogs.WaitForAssertion(() => Dialogs.Find("[data-testid=share-account-select]"));
        Assert.Empty(Dialogs.FindAll("[data-testid=share-account-name]"));
    }

    [Fact]
    public async Task RemovingAMemberAsksNamingTheAccountThenRemovesIt()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        var card = RenderSharing(await FreshAsync(image.Id, Callers.Alice), Callers.Alice);
        card.WaitForAssertion(() => card.Find("[data-testid=remove-member]"));

        card.Find("[data-testid=remove-member]").Click();
        Dialogs.WaitForAssertion(() => Assert.Contains(
            "Stop sharing “partner-disk” with bob-project? Its users no longer see the image.", Dialogs.Find(".mud-dialog").TextContent));
        Dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Remove").Click();

        card.WaitForAssertion(() => Assert.Contains(Snackbars, s => s.Message == "“partner-disk” is no longer shared with bob-project."));
        Assert.Empty((await FreshAsync(image.Id, Callers.Alice)).Members);
    }

    [Fact]
    public async Task AMemberSeesWhoSharedItAndAcceptsIt()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        SignInAs(Callers.Bob);
        var card = RenderSharing(await FreshAsync(image.Id, Callers.Bob), Callers.Bob);

        card.WaitForAssertion(() => Assert.Equal("Shared with your account by alice-project.", card.Find("[data-testid=shared-by]").TextContent.Trim()));
        Assert.False(HasButton(card, "Share image"));
        Assert.Empty(card.FindAll("[data-testid=remove-member]"));
        Assert.True(HasButton(card, "Reject"));
        Button(card, "Accept").Click();

        card.WaitForAssertion(() => Assert.Contains(Snackbars, s => s.Severity == Severity.Success));
        Assert.Equal(MemberStatus.Accepted, (await FreshAsync(image.Id, Callers.Bob)).MemberOf(Callers.BobAccount)!.Status);
    }

    [Fact]
    public async Task NobodyElseSeesTheCard()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "catalog", ImageVisibility.Public);

        var card = RenderSharing(image, Callers.Alice);

        Assert.Empty(card.FindAll("[data-testid=sharing]"));
    }
}

/// <summary>The details page of an image shared with the caller's account: read-only, Download bound to the answer.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SharedImageDetailsPageTests : PortalComponentTest
{
    [Fact]
    public async Task AMemberGetsNoEditProtectOrDeleteControlsAndDownloadWaitsForTheAcceptance()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Harness.Get<ImageSharingService>().ShareAsync(Callers.Alice, image.Id, "bob-project");
        SignInAs(Callers.Bob);
        RenderProviders();

        var page = Render<ImageDetailsPage>(p => p.Add(d => d.Id, image.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=shared-by]"));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() is "Delete image" or "Save" or "Share image");
        Assert.Empty(page.FindAll("input[type=checkbox]"));
        Assert.Empty(page.FindAll("[data-testid=activity]"));
        Assert.Contains(ImagePolicy.AcceptBeforeDownload, page.Markup);
    }
}
