using Bunit;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OperatorActionsTests : DetailsCardTest
{
    private IRenderedComponent<OperatorActions> RenderActions(Image image, Portal.Accounts.Caller caller) =>
        RenderCard<OperatorActions>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller).Add(c => c.ImageChanged, OnChanged()));

    [Fact]
    public async Task OperatorDeactivatesAnActiveCatalogImage()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Debian 13", ImageVisibility.Public);
        var actions = RenderActions(image, Callers.Operator);
        Assert.Contains("Deactivating hides the image from new use without deleting it.", actions.Markup);

        Button(actions, "Deactivate").Click();

        actions.WaitForAssertion(() => Assert.Equal(ImageStatus.Deactivated, Assert.Single(Changed).Status));
        Assert.Equal("“Debian 13” is deactivated.", Assert.Single(Snackbars).Message);
    }

    [Fact]
    public async Task ADeactivatedImageCanBeReactivated()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Debian 13", ImageVisibility.Public);
        var deactivated = await Harness.Service.DeactivateAsync(Callers.Operator, image.Id);
        var actions = RenderActions(deactivated, Callers.Operator);
        Assert.Equal("Deactivated. " + ImageAccess.CustomersSeeActiveOnly, actions.Find("[data-testid=deactivated-note]").TextContent);

        Button(actions, "Reactivate").Click();

        actions.WaitForAssertion(() => Assert.Equal(ImageStatus.Active, Assert.Single(Changed).Status));
        Assert.Equal("“Debian 13” is active again.", Assert.Single(Snackbars).Message);
    }

    [Fact]
    public async Task CustomersHaveNoOperatorControls()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Debian 13", ImageVisibility.Public);

        var actions = RenderActions(image, Callers.Alice);

        Assert.Empty(actions.FindAll("button"));
        Assert.DoesNotContain("Operator", actions.Markup);
    }

    [Fact]
    public async Task AnImageWithoutDataCannotBeDeactivated()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Debian 14", ImageVisibility.Public, active: false);

        var actions = RenderActions(image, Callers.Operator);

        Assert.Empty(actions.FindAll("button"));
    }
}
