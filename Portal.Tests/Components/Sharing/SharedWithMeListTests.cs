using Bunit;
using Portal.Images.Sharing;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Sharing;

/// <summary>The Shared with me tab: images shared with the account, their answer, Accept and Reject.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SharedWithMeListTests : PortalComponentTest
{
    [Fact]
    public async Task APendingShareIsListedWithItsOwnerAndBothAnswers()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Harness.Get<ImageSharingService>().ShareAsync(Callers.Alice, image.Id, "bob-project");
        await Harness.AddImageAsync(Callers.Alice, "not-shared");
        SignInAs(Callers.Bob);
        RenderProviders();

        var list = Render<SharedWithMeList>();

        list.WaitForAssertion(() => Assert.Equal("partner-disk", list.Find("[data-testid=shared-image]").TextContent.Trim()));
        Assert.DoesNotContain("not-shared", list.Markup);
        Assert.Contains("alice-project", list.Markup);
        Assert.Equal("pending", list.Find("[data-member-status]").GetAttribute("data-member-status"));
        Assert.Equal("Accept: partner-disk", list.Find("[data-testid=accept-share]").GetAttribute("aria-label"));

        list.Find("[data-testid=reject-share]").Click();

        list.WaitForAssertion(() => Assert.Equal("rejected", list.Find("[data-member-status]").GetAttribute("data-member-status")));
        Assert.Empty(list.FindAll("[data-testid=reject-share]"));
        list.Find("[data-testid=accept-share]").Click();
        list.WaitForAssertion(() => Assert.Equal("accepted", list.Find("[data-member-status]").GetAttribute("data-member-status")));
        Assert.Empty(list.FindAll("[data-testid=accept-share]"));
    }

    [Fact]
    public async Task NothingSharedSaysSo()
    {
        await Harness.AddImageAsync(Callers.Alice, "mine");
        RenderProviders();

        var list = Render<SharedWithMeList>();

        list.WaitForAssertion(() => list.Find("[data-testid=shared-empty]"));
    }
}
