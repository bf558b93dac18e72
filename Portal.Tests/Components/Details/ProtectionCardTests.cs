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

    [Fact]
    public async Task TheOperatorPurgesAnUnprotectedCatalogImageAfterConfirming()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "leaked-catalog", ImageVisibility.Public);
        var card = RenderProtection(image, Callers.Operator);

        Button(card, "Delete permanently").Click();
        Dialogs.WaitForAssertion(() => Assert.Contains(
            "Delete “leaked-catalog” permanently? Its data is removed now and cannot be restored.", Dialogs.Find(".mud-dialog").TextContent));
        Dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete permanently").Click();

        card.WaitForAssertion(() => Assert.EndsWith("/compute/images", Services.GetRequiredService<NavigationManager>().Uri));
        Assert.Equal("“leaked-catalog” was deleted permanently.", Assert.Single(Snackbars).Message);
        Assert.False(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Harness.Service.GetAsync(Callers.Operator, image.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoPurgeIsOfferedToACustomerNorForAProtectedImage(bool operatorsProtectedImage)
    {
        var image = operatorsProtectedImage
            ? await Harness.AddImageAsync(Callers.Operator, "guarded", ImageVisibility.Public, isProtected: true)
            : await Harness.AddImageAsync(Callers.Alice, "customers-own");

        var card = RenderProtection(image, operatorsProtectedImage ? Callers.Operator : Callers.Alice);

        Assert.Empty(card.FindAll("[data-testid=purge]"));
        Assert.Contains(card.FindAll("button"), b => b.TextContent.Trim() == "Delete image");
    }

    [Fact]
    public async Task DeletingAnImageWithDataSaysItCanBeRestoredAndGoesToRecentlyDeleted()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "ubuntu-22");
        var card = RenderProtection(image, Callers.Alice);

        Button(card, "Delete image").Click();
        Dialogs.WaitForAssertion(() => Assert.Contains(
            "You can restore it from Recently deleted for 24 hours", Dialogs.Find(".mud-dialog").TextContent));
        Dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        card.WaitForAssertion(() => Assert.EndsWith("/compute/images?tab=deleted", Services.GetRequiredService<NavigationManager>().Uri));
        Assert.Equal("“ubuntu-22” was moved to Recently deleted; you can restore it there for 24 hours.", Assert.Single(Snackbars).Message);
        Assert.True(await Harness.Store.ExistsAsync(image.Id, CancellationToken.None));
    }
}
