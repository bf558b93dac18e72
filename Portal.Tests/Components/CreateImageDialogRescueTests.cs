using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;
using MudBlazor;
using MudBlazor.Extensions;
using Portal.Images;
using Portal.Images.Components;
using Portal.Images.Upload;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

/// <summary>The create form's Rescue image switch: shown for ISO images, and what it stores.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class CreateImageDialogRescueTests : PortalComponentTest
{
    private async Task<IRenderedComponent<MudDialogProvider>> OpenWithFileAsync(string fileName)
    {
        JSInterop.SetupVoid("portalUploads.attachPicker", _ => true).SetVoidResult();
        JSInterop.SetupVoid("portalUploads.forget", _ => true).SetVoidResult();
        JSInterop.Setup<IJSStreamReference>("portalUploads.headOf", _ => true).SetException(new JSException("NotReadableError"));
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);
        var provider = RenderProviders();
        var parameters = new DialogParameters<CreateImageDialog> { { d => d.Caller, Callers.Alice } };
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<CreateImageDialog>("Create image", parameters));
        provider.WaitForAssertion(() => provider.Find(".mud-dialog"));
        var zone = provider.FindComponent<FileDropZone>();
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked(fileName, 123_456));
        return provider;
    }

    [Fact]
    public async Task AnIsoCreatedWithRescueImageOnStoresTheRescueProperties()
    {
        var dialog = await OpenWithFileAsync("rescue.iso");
        dialog.WaitForAssertion(() => dialog.Find("[data-testid=rescue-switch]"));
        Assert.Contains("Rescue image", dialog.Find("[data-testid=rescue-switch]").TextContent);

        dialog.Find("[data-testid=rescue-switch] input").Change(true);
        dialog.FindAll("button").Single(b => b.TextContent.Trim() == "Create image").Click();

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        var image = Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal(DiskFormat.Iso, image.DiskFormat);
        Assert.Equal(("cdrom", "scsi"), (image.Properties["hw_rescue_device"], image.Properties["hw_rescue_bus"]));
    }

    [Fact]
    public async Task AnIsoCreatedWithTheSwitchOffHasNoRescueProperties()
    {
        var dialog = await OpenWithFileAsync("installer.iso");
        dialog.WaitForAssertion(() => dialog.Find("[data-testid=rescue-switch]"));

        dialog.FindAll("button").Single(b => b.TextContent.Trim() == "Create image").Click();

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        Assert.Empty(Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items).Properties);
    }

    [Fact]
    public async Task OtherFormatsHaveNoRescueSwitch()
    {
        var dialog = await OpenWithFileAsync("disk.qcow2");

        dialog.WaitForAssertion(() => Assert.Equal(DiskFormat.Qcow2, dialog.FindComponents<MudSelect<DiskFormat?>>().Single().Instance.GetState(x => x.Value)));
        Assert.Empty(dialog.FindAll("[data-testid=rescue-switch]"));
    }
}
