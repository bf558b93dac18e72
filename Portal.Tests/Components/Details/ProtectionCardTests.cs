using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ProtectionCardTests : DetailsCardTest
{
    private IRenderedComponent<ProtectionCard> RenderProtection(Image image, Portal.Accounts.Caller caller) =>
        RenderCard<ProtectionCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller).Add(c => c.ImageChanged, OnChanged()));

    [Fact]
    public async Task ProtectingSaysSoAndHandsTheChangedImageOn()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "keep-me");
        var card = RenderProtection(image, Callers.Alice);

        card.Find("input[type=checkbox]").Change(true);

        card.WaitForAssertion(() => Assert.True(Assert.Single(Changed).IsProtected));
        var said = Assert.Single(Snackbars);
        Assert.Equal(("“keep-me” is now protected.", Severity.Success), (said.Message, said.Severity));
    }

    [Fact]
    public async Task ADeleteRefusedByTheDomainIsSaidAndThePageReloads()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "raced");
        var card = RenderProtection(image, Callers.Alice);
        // Another tab protects it after this one showed it.
        await Harness.Service.SetProtectedAsync(Callers.Alice, image.Id, true);

        Button(card, "Delete image").Click();
        Dialogs.WaitForAssertion(() => Dialogs.Find(".mud-dialog"));
        Dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        card.WaitForAssertion(() => Assert.Equal(1, Reloads));
        Assert.Equal(Severity.Error, Assert.Single(Snackbars).Severity);
        Assert.Contains("protected", Snackbars[0].Message);
        Assert.DoesNotContain("/compute/images", Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Equal(ImageStatus.Active, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status);
    }

    [Fact]
    public async Task AQueuedImageCanBeDeleted()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "never-uploaded", active: false);

        var card = RenderProtection(image, Callers.Alice);

        Assert.False(Button(card, "Delete image").HasAttribute("disabled"));
        Assert.Empty(card.FindAll("[data-testid=delete-blocked-reason]"));
    }
}
