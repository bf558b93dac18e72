using AngleSharp.Dom;
using Bunit;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class TagsCardTests : DetailsCardTest
{
    private IRenderedComponent<TagsCard> RenderTags(Image image, Portal.Accounts.Caller? caller = null) =>
        RenderCard<TagsCard>(card => card.Add(c => c.Image, image).Add(c => c.Caller, caller ?? Callers.Alice).Add(c => c.ImageChanged, OnChanged()));

    private static string[] Chips(IRenderedComponent<TagsCard> card) =>
        card.FindAll("[data-testid=tag-chip]").Select(c => c.TextContent.Trim()).ToArray();

    private static IElement TagInput(IRenderedComponent<TagsCard> card) => card.Find("input[data-testid=tag-field]");

    [Fact]
    public async Task EnterAddsTheTypedTag()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderTags(image);
        Assert.Equal("No tags.", card.Find("[data-testid=no-tags]").TextContent.Trim());

        TagInput(card).Input("web");
        TagInput(card).KeyDown("Enter");

        card.WaitForAssertion(() => Assert.Equal(["web"], Assert.Single(Changed).Tags));
        Assert.Equal(["web"], (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Tags);
        Assert.Equal("Tag web added.", Assert.Single(Snackbars).Message);
        Runner.Render(p => p.AddChildContent<TagsCard>(c => c.Add(x => x.Image, Changed[0]).Add(x => x.Caller, Callers.Alice)));
        Assert.Equal(["web"], Chips(card));
        Assert.Equal("", TagInput(card).GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task TheChipsCloseIconRemovesTheTag()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        await Harness.Service.AddTagAsync(Callers.Alice, image.Id, "web");
        image = await Harness.Service.AddTagAsync(Callers.Alice, image.Id, "prod");
        var card = RenderTags(image);
        Assert.Equal(["web", "prod"], Chips(card));

        card.FindAll("[data-testid=tag-chip]").Single(c => c.TextContent.Trim() == "web").QuerySelector(".mud-chip-close-button")!.Click();

        card.WaitForAssertion(() => Assert.Equal(["prod"], Assert.Single(Changed).Tags));
        Assert.Equal(["prod"], (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Tags);
    }

    [Fact]
    public async Task ATagTheRulesRefuseIsExplainedAndNotSaved()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderTags(image);

        TagInput(card).Input(new string('x', ImageProperties.MaxTagLength + 1));
        card.FindAll("button").Single(b => b.TextContent.Trim() == "Add tag").Click();

        card.WaitForAssertion(() => Assert.Contains(ImageProperties.DecideTag(new string('x', ImageProperties.MaxTagLength + 1)).Reason!, card.Markup));
        Assert.Empty(Changed);
        Assert.Empty((await Harness.Service.GetAsync(Callers.Alice, image.Id)).Tags);
    }

    [Fact]
    public async Task ThoseWhoMayNotEditSeeTheChipsOnly()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "catalog", ImageVisibility.Public);
        image = await Harness.Service.AddTagAsync(Callers.Operator, image.Id, "official");

        var card = RenderTags(image, Callers.Bob);

        Assert.Equal(["official"], Chips(card));
        Assert.Empty(card.FindAll(".mud-chip-close-button"));
        Assert.Empty(card.FindAll("[data-testid=tag-field]"));
        Assert.Equal(image.Decide(ImageAction.Edit, Callers.Bob).Reason, card.Find("[data-testid=tags-blocked-reason]").TextContent.Trim());
    }
}
