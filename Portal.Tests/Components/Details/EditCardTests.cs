using Bunit;
using MudBlazor;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class EditCardTests : DetailsCardTest
{
    private void Parameters(ComponentParameterCollectionBuilder<EditCard> card, Image image) =>
        card.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice).Add(c => c.ImageChanged, OnChanged());

    private IRenderedComponent<EditCard> RenderEdit(Image image) => RenderCard<EditCard>(card => Parameters(card, image));

    private static AngleSharp.Dom.IElement NameInput(IRenderedComponent<EditCard> card) => card.FindAll("input")[0];

    /// <summary>The page shows a changed image, as after a live update.</summary>
    private void Show(Image image) => Runner.Render(p => p.AddChildContent<EditCard>(card => Parameters(card, image)));

    private Task<Image> RenameElsewhereAsync(Image image, string name)
    {
        var edit = UpdateImageRequest.From(image);
        edit.Name = name;
        return Harness.Service.UpdateAsync(Callers.AliceColleague, image.Id, edit, image.Version);
    }

    [Fact]
    public async Task AnUntouchedFormFollowsTheImageWhenItChangesElsewhere()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        var card = RenderEdit(image);

        Show(await RenameElsewhereAsync(image, "renamed-elsewhere"));

        card.WaitForAssertion(() => Assert.Equal("renamed-elsewhere", NameInput(card).GetAttribute("value")));
    }

    private Task<Image> DescribeElsewhereAsync(Image image, string description)
    {
        var edit = UpdateImageRequest.From(image);
        edit.Description = description;
        return Harness.Service.UpdateAsync(Callers.AliceColleague, image.Id, edit, image.Version);
    }

    private static AngleSharp.Dom.IElement DescriptionInput(IRenderedComponent<EditCard> card) => card.Find("textarea");

    private static string[] ConflictValues(IRenderedComponent<EditCard> card) =>
        card.FindAll("[data-testid=edit-conflict-values] li").Select(li => li.TextContent.Trim()).ToArray();

    [Fact]
    public async Task SavingAnEditMadeBeforeSomeoneElsesSaysWhatTheyChangedAndKeepsTheEdit()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        var card = RenderEdit(image);
        NameInput(card).Input("mine");

        Show(await RenameElsewhereAsync(image, "theirs"));
        Assert.Equal("mine", NameInput(card).GetAttribute("value"));
        Button(card, "Save changes").Click();

        card.WaitForAssertion(() => Assert.Equal(["Name: theirs"], ConflictValues(card)));
        Assert.StartsWith("Someone else changed this image while you were editing, so your changes were not saved yet.",
            card.Find("[data-testid=edit-conflict]").TextContent.Trim());
        Assert.Equal("theirs", (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Name);
        Assert.Equal("mine", NameInput(card).GetAttribute("value"));
        Assert.Equal("theirs", Assert.Single(Changed).Name);
        Assert.Empty(Snackbars);
    }

    [Fact]
    public async Task SavingAgainAfterAConflictAppliesTheEditOnTopOfTheOtherChange()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        var card = RenderEdit(image);
        NameInput(card).Input("mine");
        await DescribeElsewhereAsync(image, "their description");
        Button(card, "Save changes").Click();
        card.WaitForAssertion(() => Assert.Equal(["Description: their description"], ConflictValues(card)));

        // Their description was taken into the form, which still holds the customer's name.
        Assert.Equal("their description", DescriptionInput(card).TextContent);
        Assert.Equal("mine", NameInput(card).GetAttribute("value"));
        Show(Changed[^1]);
        Button(card, "Save changes").Click();

        card.WaitForAssertion(() => Assert.Equal("Changes saved.", Assert.Single(Snackbars).Message));
        var saved = await Harness.Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(("mine", "their description"), (saved.Name, saved.Description));
        Assert.Empty(card.FindAll("[data-testid=edit-conflict]"));
    }

    [Fact]
    public async Task ResetTakesTheImageAsShownNow()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "before");
        var card = RenderEdit(image);
        NameInput(card).Input("mine");
        Show(await RenameElsewhereAsync(image, "theirs"));

        Button(card, "Reset").Click();
        Button(card, "Save changes").Click();

        card.WaitForAssertion(() => Assert.Equal("theirs", Assert.Single(Changed).Name));
        Assert.Equal("theirs", NameInput(card).GetAttribute("value"));
        Assert.Equal("Changes saved.", Assert.Single(Snackbars).Message);
    }

    [Fact]
    public async Task TheDiskFormatIsEditableOnlyUntilTheDataHasArrived()
    {
        var queued = RenderEdit(await Harness.AddImageAsync(Callers.Alice, "queued", active: false));
        Assert.Contains(queued.FindAll("label"), l => l.TextContent.Trim() == "Disk format");
        await DisposeComponentsAsync();

        var active = RenderEdit(await Harness.AddImageAsync(Callers.Alice, "active"));

        Assert.DoesNotContain(active.FindAll("label"), l => l.TextContent.Trim() == "Disk format");
    }
}
