using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Extensions;
using Portal.Configuration;
using Portal.Images;
using Portal.Images.Components;
using Portal.Images.Import;
using Portal.Images.Transfer;
using Portal.Images.Upload;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class CreateImageDialogTests : PortalComponentTest
{
    public CreateImageDialogTests()
    {
        Services.AddSingleton<FluentValidation.IValidator<CreateImageRequest>>(
            new CreateImageRequestValidator(Harness.Options, new ImportUrlPolicy(Options.Create(new ImportOptions()))));
    }

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(Portal.Accounts.Caller caller)
    {
        var provider = RenderProviders();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<CreateImageDialog> { { d => d.Caller, caller } };
        await provider.InvokeAsync(() => dialogs.ShowAsync<CreateImageDialog>("Create image", parameters));
        provider.WaitForAssertion(() => provider.Find(".mud-dialog"));
        return provider;
    }

    private static IReadOnlyList<string> Labels(IRenderedComponent<MudDialogProvider> dialog) =>
        dialog.FindAll("label").Select(l => l.TextContent.Replace("*", "").Trim()).Where(t => t.Length > 0).ToList();

    private static void Click(IRenderedComponent<MudDialogProvider> dialog, string text) =>
        dialog.FindAll("button").Single(b => b.TextContent.Trim() == text).Click();

    [Fact]
    public async Task FormHasTheFieldsWithTheirExactLabels()
    {
        var dialog = await OpenAsync(Callers.Alice);

        var labels = Labels(dialog);
        foreach (var expected in new[] { "Name", "Description", "File", "URL", "Disk format", "Operating system", "Version", "Architecture", "Private", "Public", "Community", "Protected" })
        {
            Assert.Contains(expected, labels);
        }

        Assert.Contains("Source", dialog.Markup);
        Assert.Contains("Visibility", dialog.Markup);
        Assert.Contains("Advanced", dialog.Markup);
        Assert.Contains("click to choose one", dialog.Find("[role=button][data-testid=file-drop-zone]").TextContent);
        Assert.Single(dialog.FindAll("button"), b => b.TextContent.Trim() == "Create image");
        Assert.Contains("x86_64", dialog.FindAll("input").Select(i => i.GetAttribute("value")));
    }

    [Fact]
    public async Task UrlSourceShowsTheImageUrlFieldInsteadOfTheFilePicker()
    {
        var dialog = await OpenAsync(Callers.Alice);

        dialog.FindAll("input[type=radio]").Single(r => r.ParentElement!.ParentElement!.TextContent.Contains("URL")).Click();

        dialog.WaitForAssertion(() => Assert.Contains("Image URL", Labels(dialog)));
        Assert.Empty(dialog.FindAll("[data-testid=file-drop-zone]"));
    }

    [Fact]
    public async Task CustomersSeePublicAndCommunityDisabledWithTheReason()
    {
        var dialog = await OpenAsync(Callers.Alice);

        var radios = dialog.FindAll("input[type=radio]");
        Assert.True(RadioFor(dialog, "Public").HasAttribute("disabled"));
        Assert.True(RadioFor(dialog, "Community").HasAttribute("disabled"));
        Assert.False(RadioFor(dialog, "Private").HasAttribute("disabled"));
        Assert.Equal("Customers can only upload private images.", dialog.Find("[data-testid=visibility-reason]").TextContent.Trim());
        Assert.NotEmpty(radios);
    }

    [Fact]
    public async Task OperatorMayChoosePublic()
    {
        var dialog = await OpenAsync(Callers.Operator);

        Assert.False(RadioFor(dialog, "Public").HasAttribute("disabled"));
        Assert.Empty(dialog.FindAll("[data-testid=visibility-reason]"));
    }

    [Fact]
    public async Task SubmittingAnEmptyFormShowsTheValidatorsMessagesInlineAndCreatesNothing()
    {
        var dialog = await OpenAsync(Callers.Alice);

        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Contains("Give the image a name.", dialog.Markup));
        Assert.Contains("Choose the disk format.", dialog.Markup);
        Assert.Contains("Choose an image file to upload.", dialog.Markup);
        Assert.Empty((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
    }

    [Fact]
    public async Task ForbiddenImportUrlIsExplainedInline()
    {
        var dialog = await OpenAsync(Callers.Alice);
        dialog.FindAll("input[type=radio]").Single(r => r.ParentElement!.ParentElement!.TextContent.Contains("URL")).Click();
        dialog.WaitForAssertion(() => Assert.Contains("Image URL", Labels(dialog)));

        dialog.FindAll("input").Single(i => i.GetAttribute("type") == "url").Input("http://169.254.169.254/latest/meta-data/");
        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Contains("cannot be imported from", dialog.Markup, StringComparison.OrdinalIgnoreCase));
        Assert.Empty((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
    }

    [Theory]
    [InlineData("ubuntu-24.04.qcow2", "qcow2", "Chosen from the file name")]
    [InlineData("windows.vhdx", "vhdx", "Chosen from the file name")]
    [InlineData("appliance.vmdk", "vmdk", "Chosen from the file name")]
    [InlineData("installer.iso", "iso", "Chosen from the file name")]
    [InlineData("disk.raw", "raw", "Chosen from the file name")]
    [InlineData("cloud.img", "qcow2", "Guessed from")]
    public async Task PickingAFilePreselectsTheDiskFormatFromItsExtension(string fileName, string format, string hint)
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked(fileName, 123_456));

        dialog.WaitForAssertion(() => Assert.Contains(hint, dialog.Markup));
        Assert.Equal(format, SelectedFormat(dialog)?.ToApiName());
        Assert.Contains(Path.GetFileNameWithoutExtension(fileName), dialog.FindAll("input").Select(i => i.GetAttribute("value")));
    }

    [Fact]
    public async Task UnknownExtensionLeavesTheDiskFormatToTheCustomer()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("backup.bin", 10));

        Assert.Null(SelectedFormat(dialog));
    }

    [Fact]
    public async Task ValidFileFormCreatesTheQueuedImageAndStartsTheBrowserUpload()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("web.qcow2", 1_000_000));
        var pickerKey = zone.Instance.Key;

        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        var image = Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal(("web", ImageStatus.Queued, DiskFormat.Qcow2), (image.Name, image.Status, image.DiskFormat));
        var start = Assert.Single(JSInterop.Invocations, i => i.Identifier == "portalUploads.start");
        Assert.Equal(pickerKey, start.Arguments[0]);
        Assert.Equal($"/v2/images/{image.Id}/file", start.Arguments[2]);
        Assert.Equal(UploadOutcome.Running, Services.GetRequiredService<BrowserUploads>().Find(image.Id)?.Outcome);
    }

    private static DiskFormat? SelectedFormat(IRenderedComponent<MudDialogProvider> dialog) =>
        dialog.FindComponents<MudSelect<DiskFormat?>>().Single().Instance.GetState(x => x.Value);

    private static AngleSharp.Dom.IElement RadioFor(IRenderedComponent<MudDialogProvider> dialog, string text) =>
        dialog.FindAll("input[type=radio]").Single(r => r.ParentElement!.ParentElement!.TextContent.Trim() == text);
}
