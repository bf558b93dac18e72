using AngleSharp.Dom;
using Bunit;
using MudBlazor;
using MudBlazor.Extensions;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class PropertiesCardTests : DetailsCardTest
{
    private IRenderedComponent<PropertiesCard> RenderProperties(Image image, Portal.Accounts.Caller? caller = null) =>
        RenderCard<PropertiesCard>(card => card.Add(c => c.Image, image).Add(c => c.Caller, caller ?? Callers.Alice).Add(c => c.ImageChanged, OnChanged()));

    private async Task<Image> WithPropertiesAsync(Image image, params (string Key, string Value)[] properties) =>
        await Harness.Service.EditAsync(Callers.Alice, image.Id,
            new ImageEdit(Properties: properties.ToDictionary(p => p.Key, p => (string?)p.Value)), image.Version);

    private async Task<IReadOnlyDictionary<string, string>> StoredAsync(Image image) =>
        (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Properties;

    private static IElement KeyInput(IRenderedComponent<PropertiesCard> card) => card.Find("input[data-testid=property-key-field]");

    private static IElement ValueInput(IRenderedComponent<PropertiesCard> card) => card.Find("input[data-testid=property-value-field]");

    private static string[] Rows(IRenderedComponent<PropertiesCard> card) =>
        card.FindAll("[data-testid=property-row]").Select(r => r.QuerySelector("p")!.TextContent.Trim()).ToArray();

    private static IElement IconButton(IRenderedComponent<PropertiesCard> card, string label) =>
        card.FindAll("button").Single(b => b.GetAttribute("aria-label") == label);

    /// <summary>Opens the value select and picks one of its items, as a person does.</summary>
    private void PickValue(IRenderedComponent<PropertiesCard> card, string value)
    {
        var select = card.FindComponent<MudSelect<string>>();
        select.InvokeAsync(() => select.Instance.OpenMenu());
        Popovers.WaitForAssertion(() => Popovers.FindAll(".mud-list-item").First(i => i.TextContent.Trim() == value).Click());
    }

    [Fact]
    public async Task AKnownKeyIsSuggestedWithItsMeaningAndTakesAValueFromItsSet()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderProperties(image);

        KeyInput(card).Input("disk_b");
        Popovers.WaitForAssertion(() =>
        {
            var suggestion = Assert.Single(Popovers.FindAll("[data-testid=property-suggestion]"));
            Assert.Contains("hw_disk_bus", suggestion.TextContent);
            Assert.Contains(KnownImageProperties.Find("hw_disk_bus")!.Meaning, suggestion.TextContent);
        });
        Popovers.FindAll(".mud-list-item").Single().Click();

        card.WaitForAssertion(() => card.Find("[data-testid=property-value-select]"));
        Assert.Empty(card.FindAll("[data-testid=property-value-field]"));
        var select = card.FindComponent<MudSelect<string>>();
        await select.InvokeAsync(() => select.Instance.OpenMenu());
        Popovers.WaitForAssertion(() => Assert.Equal(
            ["virtio", "scsi", "ide", "sata", "usb", "fdc", "xen", "lxc", "uml"],
            Popovers.FindAll(".mud-list-item").Select(i => i.TextContent.Trim())));
        Popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "scsi").Click();
        card.WaitForAssertion(() => Assert.Equal("scsi", card.FindComponent<MudSelect<string>>().Instance.GetState(s => s.Value)));
        // Found and clicked in one dispatch: the autocomplete may re-render the card in between.
        await card.InvokeAsync(() => Button(card, "Add property").Click());

        card.WaitForAssertion(() => Assert.Equal("Property hw_disk_bus saved.", Assert.Single(Snackbars).Message));
        Assert.Equal("scsi", (await StoredAsync(image))["hw_disk_bus"]);
        Assert.Equal(["hw_disk_bus = scsi"], Rows(card));
        Assert.Equal("scsi", Assert.Single(Changed).Properties["hw_disk_bus"]);
    }

    [Fact]
    public async Task AKeyOfTheCustomersOwnTakesAnyText()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderProperties(image);

        KeyInput(card).Input("backup_policy");
        card.WaitForAssertion(() => ValueInput(card));
        ValueInput(card).Input("nightly, keep 7");
        await card.InvokeAsync(() => Button(card, "Add property").Click());

        card.WaitForAssertion(() => Assert.Equal("nightly, keep 7", Changed.Single().Properties["backup_policy"]));
        Assert.Equal("nightly, keep 7", (await StoredAsync(image))["backup_policy"]);
    }

    [Fact]
    public async Task AReservedKeyIsRefusedWithTheSameReasonAsTheApisAndNothingIsSaved()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderProperties(image);

        KeyInput(card).Input("owner");
        card.WaitForAssertion(() => ValueInput(card));
        ValueInput(card).Input("someone-else");
        await card.InvokeAsync(() => Button(card, "Add property").Click());

        card.WaitForAssertion(() => Assert.Equal(
            ImageProperties.DecideProperty("owner", "someone-else").Reason, card.Find("[data-testid=property-refusal]").TextContent.Trim()));
        Assert.Contains("reserved", card.Find("[data-testid=property-refusal]").TextContent);
        Assert.Empty(Changed);
        Assert.Empty(await StoredAsync(image));
    }

    [Fact]
    public async Task EditingARowChangesItsValue()
    {
        var image = await WithPropertiesAsync(await Harness.AddImageAsync(Callers.Alice, "vm"), ("os_admin_user", "root"), ("hw_machine_type", "q35"));
        var card = RenderProperties(image);
        Assert.Equal(["hw_machine_type = q35", "os_admin_user = root"], Rows(card));
        Assert.Contains(KnownImageProperties.Find("os_admin_user")!.Meaning,
            card.FindAll("[data-testid=property-row]").Single(r => r.GetAttribute("data-key") == "os_admin_user").TextContent);

        await card.InvokeAsync(() => IconButton(card, "Edit os_admin_user").Click());
        Assert.Equal("root", ValueInput(card).GetAttribute("value"));
        Assert.Empty(card.FindAll("[data-testid=property-key-field]"));
        ValueInput(card).Input("admin");
        await card.InvokeAsync(() => Button(card, "Save property").Click());

        card.WaitForAssertion(() => Assert.Equal(["hw_machine_type = q35", "os_admin_user = admin"], Rows(card)));
        Assert.Equal("admin", (await StoredAsync(image))["os_admin_user"]);
        Assert.False(HasButton(card, "Save property"));
    }

    [Fact]
    public async Task EditingAValueSetElsewhereOutsideTheKnownSetIsRefusedListingTheChoices()
    {
        // The Image API stores any value, as Glance does; the card only saves values the compute service takes.
        var image = await WithPropertiesAsync(await Harness.AddImageAsync(Callers.Alice, "vm"), ("hw_firmware_type", "UEFI"));
        var card = RenderProperties(image);

        await card.InvokeAsync(() => IconButton(card, "Edit hw_firmware_type").Click());
        await card.InvokeAsync(() => Button(card, "Save property").Click());

        card.WaitForAssertion(() => Assert.Equal(
            "'UEFI' is not a value the compute service takes for hw_firmware_type: choose one of bios, uefi.",
            card.Find("[data-testid=property-refusal]").TextContent.Trim()));
        Assert.Empty(Changed);

        PickValue(card, "uefi");
        card.WaitForAssertion(() => Assert.Equal("uefi", card.FindComponent<MudSelect<string>>().Instance.GetState(s => s.Value)));
        await card.InvokeAsync(() => Button(card, "Save property").Click());
        card.WaitForAssertion(() => Assert.Equal("uefi", Assert.Single(Changed).Properties["hw_firmware_type"]));
    }

    [Fact]
    public async Task RemovingARowRemovesThePropertyAtOnce()
    {
        var image = await WithPropertiesAsync(await Harness.AddImageAsync(Callers.Alice, "vm"), ("os_admin_user", "root"), ("hw_machine_type", "q35"));
        var card = RenderProperties(image);

        await card.InvokeAsync(() => IconButton(card, "Remove os_admin_user").Click());

        card.WaitForAssertion(() => Assert.Equal(["hw_machine_type = q35"], Rows(card)));
        Assert.Equal(["hw_machine_type"], (await StoredAsync(image)).Keys);
        Assert.Equal("Property os_admin_user removed.", Assert.Single(Snackbars).Message);
    }

    [Fact]
    public async Task ThoseWhoMayNotEditSeeThePropertiesWithTheirMeaningsAndNoControls()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "catalog", ImageVisibility.Public, format: DiskFormat.Iso);
        image = await Harness.Service.EditAsync(Callers.Operator, image.Id,
            new ImageEdit(Properties: KnownImageProperties.WithRescue(image.Properties, rescue: true)), image.Version);

        var card = RenderProperties(image, Callers.Bob);

        Assert.Equal(["hw_rescue_bus = scsi", "hw_rescue_device = cdrom"], Rows(card));
        Assert.Equal(2, card.FindAll("[data-testid=property-meaning]").Count);
        Assert.Equal(image.Decide(ImageAction.Edit, Callers.Bob).Reason, card.Find("[data-testid=properties-blocked-reason]").TextContent.Trim());
        Assert.Empty(card.FindAll("[data-testid=property-key-field]"));
        Assert.DoesNotContain(card.FindAll("button"), b => b.GetAttribute("aria-label")?.StartsWith("Remove", StringComparison.Ordinal) == true);
        var rescue = card.Find("[data-testid=rescue-switch] input");
        Assert.True(rescue.HasAttribute("checked") || rescue.IsChecked());
        Assert.True(rescue.HasAttribute("disabled"));
    }

    [Fact]
    public async Task SavingAfterSomeoneElsesChangeSaysSoKeepsTheEntryAndSavesOnTheSecondTry()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "vm");
        var card = RenderProperties(image);
        KeyInput(card).Input("backup_policy");
        card.WaitForAssertion(() => ValueInput(card));
        ValueInput(card).Input("nightly");

        var theirs = UpdateImageRequest.From(image);
        theirs.Name = "renamed";
        await Harness.Service.UpdateAsync(Callers.AliceColleague, image.Id, theirs, image.Version);
        await card.InvokeAsync(() => Button(card, "Add property").Click());

        card.WaitForAssertion(() => Assert.StartsWith(
            "Someone else changed this image while you were editing, so your change was not saved yet.",
            card.Find("[data-testid=properties-conflict]").TextContent.Trim()));
        Assert.Empty(await StoredAsync(image));
        Assert.Equal("renamed", Assert.Single(Changed).Name);
        Assert.Equal("nightly", ValueInput(card).GetAttribute("value"));
        Assert.Empty(Snackbars);

        await card.InvokeAsync(() => Button(card, "Add property").Click());

        card.WaitForAssertion(() => Assert.Equal("nightly", (Changed[^1]).Properties.GetValueOrDefault("backup_policy")));
        Assert.Equal("nightly", (await StoredAsync(image))["backup_policy"]);
        Assert.Empty(card.FindAll("[data-testid=properties-conflict]"));
    }

    [Fact]
    public async Task TheRescueSwitchOfAnIsoSetsAndRemovesBothProperties()
    {
        var image = await WithPropertiesAsync(await Harness.AddImageAsync(Callers.Alice, "rescue", format: DiskFormat.Iso), ("os_admin_user", "root"));
        var card = RenderProperties(image);

        card.Find("[data-testid=rescue-switch] input").Change(true);

        card.WaitForAssertion(() => Assert.Equal(["hw_rescue_bus = scsi", "hw_rescue_device = cdrom", "os_admin_user = root"], Rows(card)));
        Assert.True(KnownImageProperties.IsRescueImage(await StoredAsync(image)));
        Assert.Equal("“rescue” is now a rescue image.", Snackbars[^1].Message);

        card.Find("[data-testid=rescue-switch] input").Change(false);

        card.WaitForAssertion(() => Assert.Equal(["os_admin_user = root"], Rows(card)));
        Assert.Equal(["os_admin_user"], (await StoredAsync(image)).Keys);
    }

    [Fact]
    public async Task OnlyIsoImagesHaveTheRescueSwitch()
    {
        var card = RenderProperties(await Harness.AddImageAsync(Callers.Alice, "disk"));

        Assert.Empty(card.FindAll("[data-testid=rescue-switch]"));
        Assert.Equal("No custom properties.", card.Find("[data-testid=no-properties]").TextContent.Trim());
    }
}
