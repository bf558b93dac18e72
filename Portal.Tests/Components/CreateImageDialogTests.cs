using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using Microsoft.JSInterop;
using Portal.Images.Catalog;
using Portal.Images;
using Portal.Images.Components;
using Portal.Images.Transfer;
using Portal.Images.Upload;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class CreateImageDialogTests : PortalComponentTest
{
    /// <summary>Everything the browser holds of the picked file: its first MiB is asked for, never more.</summary>
    private const int HeadBytes = 1 << 20;

    /// <summary>
    /// Opens the dialog. Its file picker wires the drop zone and the hidden input to the browser when it first
    /// renders (checked here) and lets the browser forget the picked file when it goes.
    /// </summary>
    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(Portal.Accounts.Caller caller)
    {
        JSInterop.SetupVoid("portalUploads.attachPicker", _ => true).SetVoidResult();
        JSInterop.SetupVoid("portalUploads.forget", _ => true).SetVoidResult();
        var provider = RenderProviders();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<CreateImageDialog> { { d => d.Caller, caller } };
        await provider.InvokeAsync(() => dialogs.ShowAsync<CreateImageDialog>("Create image", parameters));
        provider.WaitForAssertion(() => provider.Find(".mud-dialog"));

        var zone = provider.FindComponent<FileDropZone>();
        provider.WaitForAssertion(() => JSInterop.VerifyInvoke("portalUploads.attachPicker"));
        var attach = JSInterop.VerifyInvoke("portalUploads.attachPicker");
        attach.Arguments[0].ShouldBeElementReferenceTo(provider.Find("[data-testid=file-drop-zone]"));
        attach.Arguments[1].ShouldBeElementReferenceTo(provider.Find("input[type=file]"));
        Assert.Equal(zone.Instance.Key, attach.Arguments[2]);
        Assert.IsType<DotNetObjectReference<FileDropZone>>(attach.Arguments[3]);
        return provider;
    }

    /// <summary>The browser hands over the start of the picked file.</summary>
    private void BrowserReadsTheHead(byte[] head) =>
        JSInterop.Setup<IJSStreamReference>("portalUploads.headOf", _ => true).SetResult(new BytesStreamReference(head));

    /// <summary>The browser could not read the picked file (moved, no permission): only its name is known.</summary>
    private void BrowserCannotReadTheHead() =>
        JSInterop.Setup<IJSStreamReference>("portalUploads.headOf", _ => true).SetException(new JSException("NotReadableError"));

    /// <summary>The dialog asked the browser for the first MiB of the file the drop zone picked, once.</summary>
    private void VerifyHeadWasAskedFor(IRenderedComponent<FileDropZone> zone)
    {
        var head = JSInterop.VerifyInvoke("portalUploads.headOf");
        Assert.Equal([zone.Instance.Key, HeadBytes], head.Arguments);
    }

    /// <summary>A real qcow2 image (qemu-img accepts these, see SparseQcow2Tests): 1 GiB virtual, 384 KiB of file.</summary>
    private static byte[] Qcow2File() => SparseQcow2.Create(1L << 30, "Portal test image");

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
        var pickerKey = dialog.FindComponent<FileDropZone>().Instance.Key;

        dialog.FindAll("input[type=radio]").Single(r => r.ParentElement!.ParentElement!.TextContent.Contains("URL")).Click();

        dialog.WaitForAssertion(() => Assert.Contains("Image URL", Labels(dialog)));
        Assert.Empty(dialog.FindAll("[data-testid=file-drop-zone]"));
        Assert.Equal([pickerKey], JSInterop.VerifyInvoke("portalUploads.forget").Arguments);
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
        BrowserCannotReadTheHead();

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked(fileName, 123_456));

        VerifyHeadWasAskedFor(zone);
        dialog.WaitForAssertion(() => Assert.Contains(hint, dialog.Markup));
        Assert.Equal(format, SelectedFormat(dialog)?.ToApiName());
        Assert.Contains(Path.GetFileNameWithoutExtension(fileName), dialog.FindAll("input").Select(i => i.GetAttribute("value")));
    }

    [Fact]
    public async Task UnknownExtensionLeavesTheDiskFormatToTheCustomer()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        BrowserCannotReadTheHead();

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("backup.bin", 10));

        VerifyHeadWasAskedFor(zone);
        Assert.Null(SelectedFormat(dialog));
    }

    [Fact]
    public async Task ValidFileFormCreatesTheQueuedImageAndStartsTheBrowserUpload()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("web.qcow2", qcow2.Length));
        var pickerKey = zone.Instance.Key;
        VerifyHeadWasAskedFor(zone);
        Assert.Empty(dialog.FindAll("[data-testid=format-warning]"));

        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        var image = Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal(("web", ImageStatus.Queued, DiskFormat.Qcow2), (image.Name, image.Status, image.DiskFormat));
        var start = JSInterop.VerifyInvoke("portalUploads.start");
        Assert.Equal(pickerKey, start.Arguments[0]);
        Assert.Equal(image.Id.ToString("D"), start.Arguments[1]);
        Assert.Equal($"/image/v2/images/{image.Id}/file", start.Arguments[2]);
        Assert.False(string.IsNullOrEmpty(Assert.IsType<string>(start.Arguments[3])));
        Assert.IsType<DotNetObjectReference<BrowserUploads>>(start.Arguments[4]);
        Assert.Equal([pickerKey], JSInterop.VerifyInvoke("portalUploads.forget").Arguments);
        Assert.Equal(UploadOutcome.Running, Services.GetRequiredService<BrowserUploads>().Find(image.Id)?.Outcome);
    }

    [Fact]
    public async Task FormatIsDetectedFromTheFirstMebibyteOfThePickedFile()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);

        // Neither the name nor the extension says qcow2: only the bytes do.
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("backup.bin", qcow2.Length));

        VerifyHeadWasAskedFor(zone);
        dialog.WaitForAssertion(() => Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog)));
        Assert.Contains("Detected from the file's contents: qcow2 (compat 1.1).", dialog.Markup);
        Assert.Empty(dialog.FindAll("[data-testid=format-warning]"));
    }

    [Fact]
    public async Task ContentsOutweighTheExtensionWhenTheyDisagree()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.raw", qcow2.Length));

        VerifyHeadWasAskedFor(zone);
        dialog.WaitForAssertion(() => Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog)));
        Assert.Contains("Detected from the file's contents: qcow2", dialog.Markup);
        Assert.DoesNotContain("Chosen from the file name", dialog.Markup);
    }

    [Fact]
    public async Task DeclaringAnotherFormatThanTheDetectedOneWarnsThatTheUploadWouldBeRefused()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.img", qcow2.Length));
        dialog.WaitForAssertion(() => Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog)));

        var select = dialog.FindComponents<MudSelect<DiskFormat?>>().Single();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(DiskFormat.Raw));

        dialog.WaitForAssertion(() => Assert.Equal(
            "This upload would be refused: Declared raw, but the data is a qcow2 image.",
            dialog.Find("[data-testid=format-warning]").TextContent.Trim()));
    }

    [Fact]
    public async Task UnsafeImageIsWarnedAboutBeforeTheUpload()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        // A backing file: the hypervisor would read a host file the customer names.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(qcow2.AsSpan(8), 512);
        BrowserReadsTheHead(qcow2);

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.qcow2", qcow2.Length));

        dialog.WaitForAssertion(() => Assert.Equal(
            "This upload would be refused: The qcow2 image refers to a backing file.",
            dialog.Find("[data-testid=format-warning]").TextContent.Trim()));
        Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog));
    }

    /// <summary>The qcow2 test image compressed by Debian's xz.</summary>
    private static byte[] XzOf(byte[] data)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, data);
            QemuImg.Tool("xz", "-f", path);
            return File.ReadAllBytes(path + ".xz");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".xz");
        }
    }

    [Fact]
    public async Task CompressedFileIsAnnouncedBeforeTheUploadAndItsDiskFormatToldFromTheDecompressedStart()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var xz = XzOf(Qcow2File());
        BrowserReadsTheHead(xz);
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("debian-12.qcow2.xz", xz.Length));

        dialog.WaitForAssertion(() => Assert.Equal(
            "This file is compressed (xz): it is decompressed while it uploads; the image stores the decompressed disk and its checksums are of the decompressed bytes.",
            dialog.Find("[data-testid=compressed-notice]").TextContent.Trim()));
        Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog));
        Assert.Contains("Detected from the file's contents: qcow2", dialog.Markup);

        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        var image = Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal("debian-12", image.Name);
        Assert.True(image.DecompressData);
        Assert.Equal(Portal.Images.Compression.SourceCompression.Xz, Services.GetRequiredService<BrowserUploads>().Find(image.Id)?.Compression);
    }

    [Fact]
    public async Task UncompressedFileHasNoNotice()
    {
        var dialog = await OpenAsync(Callers.Alice);
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);

        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.qcow2", qcow2.Length));

        dialog.WaitForAssertion(() => Assert.Equal(DiskFormat.Qcow2, SelectedFormat(dialog)));
        Assert.Empty(dialog.FindAll("[data-testid=compressed-notice]"));
    }

    [Fact]
    public async Task CompressedUrlIsAnnouncedToo()
    {
        var dialog = await OpenAsync(Callers.Alice);
        RadioFor(dialog, "URL").Click();
        dialog.WaitForAssertion(() => Assert.Contains("Image URL", Labels(dialog)));

        dialog.FindAll("input").Single(i => i.GetAttribute("type") == "url").Input("https://cloud-images.example.com/disk.raw.zst");

        dialog.WaitForAssertion(() => Assert.StartsWith(
            "This file is compressed (zstd): it is decompressed while it downloads;", dialog.Find("[data-testid=compressed-notice]").TextContent.Trim()));
    }

    [Fact]
    public async Task MalformedExpectedChecksumIsExplainedInlineAndAWellFormedOneIsKeptWithTheImage()
    {
        var dialog = await OpenAsync(Callers.Alice);
        Assert.Contains("Expected checksum", Labels(dialog));
        var zone = dialog.FindComponent<FileDropZone>();
        var qcow2 = Qcow2File();
        BrowserReadsTheHead(qcow2);
        JSInterop.Setup<bool>("portalUploads.start", _ => true).SetResult(true);
        await zone.InvokeAsync(() => zone.Instance.OnFilePicked("disk.qcow2", qcow2.Length));

        dialog.Find(".portal-checksum-field input").Input("sha256:1234");
        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Contains("A SHA-256 checksum has 64 hex digits; this one has 4.", dialog.Markup));
        Assert.Empty((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);

        var sha1 = new string('a', 40);
        dialog.Find(".portal-checksum-field input").Input(sha1);
        Click(dialog, "Create image");

        dialog.WaitForAssertion(() => Assert.Empty(dialog.FindAll(".mud-dialog")));
        var image = Assert.Single((await Harness.Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal("sha1:" + sha1, image.ExpectedDataChecksum);
    }

    private static DiskFormat? SelectedFormat(IRenderedComponent<MudDialogProvider> dialog) =>
        dialog.FindComponents<MudSelect<DiskFormat?>>().Single().Instance.GetState(x => x.Value);

    private static AngleSharp.Dom.IElement RadioFor(IRenderedComponent<MudDialogProvider> dialog, string text) =>
        dialog.FindAll("input[type=radio]").Single(r => r.ParentElement!.ParentElement!.TextContent.Trim() == text);
}
