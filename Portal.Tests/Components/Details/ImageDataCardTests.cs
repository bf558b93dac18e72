using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Components;
using Portal.Images.Details;
using Portal.Images.Upload;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageDataCardTests : DetailsCardTest
{
    private int _uploadsStarted;

    public ImageDataCardTests()
    {
        // The drop zone hands the browser its file input; strict interop needs the call named.
        JSInterop.SetupVoid("portalUploads.attachPicker", _ => true).SetVoidResult();
    }

    private IRenderedComponent<ImageDataCard> RenderData(Image image, Portal.Accounts.Caller caller) =>
        RenderCard<ImageDataCard>(p => p
            .Add(c => c.Image, image)
            .Add(c => c.Caller, caller)
            .Add(c => c.ImageChanged, OnChanged())
            .Add(c => c.UploadStarted, () => _uploadsStarted++));

    [Fact]
    public async Task AQueuedUploadOffersTheUploadOnceAFileIsPicked()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "empty", active: false);

        var card = RenderData(image, Callers.Alice);

        Assert.Contains("This image has no data yet. Upload the disk image file.", card.Markup);
        Assert.True(Button(card, "Upload").HasAttribute("disabled"));
        Assert.False(HasButton(card, "Retry import"));
        card.WaitForAssertion(() => JSInterop.VerifyInvoke("portalUploads.attachPicker"));
    }

    [Fact]
    public async Task UploadStartsTheBrowserUploadOfThePickedFile()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "empty", active: false);
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);
        var card = RenderData(image, Callers.Alice);
        var zone = card.FindComponent<FileDropZone>();
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.qcow2", 4096));

        Button(card, "Upload").Click();

        card.WaitForAssertion(() => Assert.Equal(1, _uploadsStarted));
        Assert.Equal(UploadOutcome.Running, Services.GetRequiredService<BrowserUploads>().Find(image.Id)?.Outcome);
        Assert.Contains(Snackbars, s => s.Message == "Uploading “empty”…");
    }

    [Fact]
    public async Task AStoppedImportCanBeRetriedFromItsUrl()
    {
        var image = await Harness.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "flaky", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/flaky.qcow2", DiskFormat = DiskFormat.Qcow2,
        });
        await Harness.Transfers.AbandonAsync(image.Id, "The server had a problem (HTTP 503). Try again later.");
        var card = RenderData(await Harness.Service.GetAsync(Callers.Alice, image.Id), Callers.Alice);
        Assert.Contains("or import it again from its URL", card.Markup);

        Button(card, "Retry import").Click();

        card.WaitForAssertion(() => Assert.Equal(ImageStatus.Importing, Assert.Single(Changed).Status));
        Assert.Contains(Snackbars, s => s.Message == "Importing again…");
    }

    [Fact]
    public async Task NoCardOnceTheImageHasItsData()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "full");

        var card = RenderData(image, Callers.Alice);

        Assert.DoesNotContain("Image data", card.Markup);
    }
}
