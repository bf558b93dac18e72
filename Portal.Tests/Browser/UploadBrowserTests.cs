using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

public sealed class UploadFiles : IDisposable
{
    public UploadFiles()
    {
        // Incompressible data, so that nothing (sparse writes, compression) makes the upload unrealistically cheap.
        // Seeded, so every run sends the same bytes: fresh random bytes could, once in many thousand runs, carry a
        // disk format's signature (0x55AA at 510 reads as an MBR) and change what the form detects.
        using (var random = File.Create(Random))
        {
            var generator = new System.Random(20261130);
            var block = new byte[1 << 20];
            for (var i = 0; i < 96; i++)
            {
                generator.NextBytes(block);
                random.Write(block);
            }
        }

        // A real qcow2 under a misleading name: the form must see through it.
        QemuImg.Run("create", "-q", "-f", "qcow2", Disguised, "2G");

        // A large sparse file: costs no disk, takes the browser long enough to send that a test can act mid-upload.
        using (var large = File.Create(Large))
        {
            large.SetLength(6L << 30);
        }
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("portal-upload-files-").FullName;
    public string Random => Path.Combine(Folder, "ci-runner-2.raw");
    public string Large => Path.Combine(Folder, "big-backup.raw");
    public string Disguised => Path.Combine(Folder, "disguised.raw");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class UploadBrowserTests(BrowserFixture browser, UploadFiles files) : IClassFixture<BrowserFixture>, IClassFixture<UploadFiles>
{
    internal static async Task<ILocator> OpenCreateFormAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByText("Drag an image file here")).ToBeVisibleAsync();
        return dialog;
    }

    internal static async Task CreateWithFileAsync(IPage page, string path, string? name = null)
    {
        var dialog = await OpenCreateFormAsync(page);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(path);
        await Assertions.Expect(dialog.GetByTestId("picked-file")).ToHaveTextAsync(Path.GetFileName(path));
        if (name is not null)
        {
            await dialog.GetByLabel("Name").FillAsync(name);
        }

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task CustomerUploadsAFileWithLiveProgressAndSeesItBecomeActive()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        var dialog = await OpenCreateFormAsync(page);

        await dialog.Locator("input[type=file]").SetInputFilesAsync(files.Random);
        await Assertions.Expect(dialog.GetByLabel("Name")).ToHaveValueAsync("ci-runner-2");
        // The name says raw at once ("Chosen from the file name"); the form then reads the file's first MiB in the
        // browser, finds no disk format's header in random bytes, and says so — the state it settles in.
        await Assertions.Expect(dialog.GetByText("Detected from the file's contents: raw.")).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();

        var upload = page.GetByTestId("upload");
        await Assertions.Expect(upload).ToContainTextAsync("ci-runner-2");
        await BrowserFixture.ExpectUploadCompletedAsync(upload, 60_000);
        await Assertions.Expect(upload).ToContainTextAsync("Upload complete: 100.7 MB received and checked.");

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "ci-runner-2" });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await Assertions.Expect(row).ToContainTextAsync("raw");
        await Assertions.Expect(row).ToContainTextAsync("100.7 MB");
    }

    [Fact]
    public async Task ProgressBarShowsPercentRateAndTimeLeftAndAbortLeavesTheImageQueued()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await CreateWithFileAsync(page, files.Large, "aborted-backup");

        var upload = page.GetByTestId("upload").Filter(new() { HasText = "aborted-backup" });
        await Assertions.Expect(upload.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();
        await Assertions.Expect(upload.GetByTestId("upload-figures")).ToContainTextAsync("/s");
        await Assertions.Expect(upload.GetByTestId("upload-figures")).ToContainTextAsync("left");
        await Assertions.Expect(upload.GetByTestId("upload-figures")).ToContainTextAsync("%");
        await upload.GetByRole(AriaRole.Button, new() { Name = "Abort upload" }).ClickAsync();

        await Assertions.Expect(upload).ToHaveAttributeAsync("data-outcome", "aborted");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "aborted-backup" });
        await Assertions.Expect(row).ToContainTextAsync("Queued", new() { Timeout = 20_000 });

        // The details page tells why and offers the upload again.
        await row.GetByRole(AriaRole.Link, new() { Name = "aborted-backup" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("status-reason")).ToContainTextAsync("stopped before it finished");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LeavingThePageWhileAnUploadRunsAsksFirst()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "bob@demo.local");
        await CreateWithFileAsync(page, files.Large, "leave-guard");
        var upload = page.GetByTestId("upload").Filter(new() { HasText = "leave-guard" });
        await Assertions.Expect(upload.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();

        var asked = new TaskCompletionSource<string>();
        page.Dialog += async (_, dialog) =>
        {
            asked.TrySetResult(dialog.Type);
            await dialog.DismissAsync();
        };
        await page.CloseAsync(new PageCloseOptions { RunBeforeUnload = true });

        Assert.Equal("beforeunload", await asked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(page.IsClosed);
        await upload.GetByRole(AriaRole.Button, new() { Name = "Abort upload" }).ClickAsync();
        await Assertions.Expect(upload).ToHaveAttributeAsync("data-outcome", "aborted");
    }

    [Fact]
    public async Task AnotherOpenPageOfTheAccountUpdatesByItself()
    {
        var watcher = await browser.NewPageAsync();
        await browser.SignInAsync(watcher, "operator@demo.local");
        var uploader = await browser.NewPageAsync();
        await browser.SignInAsync(uploader, "operator@demo.local");

        await CreateWithFileAsync(uploader, files.Random, "seen-elsewhere");

        var row = watcher.GetByRole(AriaRole.Row).Filter(new() { HasText = "seen-elsewhere" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("Active", new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task FormDetectsTheRealFormatBeforeUploadingAndWarnsAboutAMismatch()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        var dialog = await OpenCreateFormAsync(page);

        await dialog.Locator("input[type=file]").SetInputFilesAsync(files.Disguised);

        await Assertions.Expect(dialog.GetByText("Detected from the file's contents: qcow2")).ToBeVisibleAsync();
        var format = dialog.Locator(".mud-select").Filter(new() { HasText = "Disk format" });
        await Assertions.Expect(format.Locator("input").First).ToHaveValueAsync("qcow2");
        await Assertions.Expect(dialog.GetByTestId("format-warning")).ToHaveCountAsync(0);

        await format.Locator(".mud-input-control").First.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "raw", Exact = true }).ClickAsync();

        await Assertions.Expect(dialog.GetByTestId("format-warning"))
            .ToHaveTextAsync("This upload would be refused: Declared raw, but the data is a qcow2 image.");
    }

    [Fact]
    public async Task CompressedFileIsDecompressedWhileItUploadsWithBothCountersShown()
    {
        // A raw disk of 1 GiB, its first MiB random and the rest zeros, compressed by Debian's zstd: the browser sends
        // little and the server writes much, so the upload runs on for a while after the last byte is sent.
        var disk = Path.Combine(files.Folder, "cloud-disk.raw");
        using (var raw = File.Create(disk))
        {
            var head = new byte[1 << 20];
            new System.Random(13).NextBytes(head);
            raw.Write(head);
            raw.SetLength(1L << 30);
        }

        QemuImg.Tool("zstd", "-q", "-f", disk, "-o", disk + ".zst");
        string md5;
        using (var read = File.OpenRead(disk))
        {
            md5 = Convert.ToHexStringLower(await System.Security.Cryptography.MD5.HashDataAsync(read));
        }

        File.Delete(disk);
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "bob@demo.local");
        var dialog = await OpenCreateFormAsync(page);

        await dialog.Locator("input[type=file]").SetInputFilesAsync(disk + ".zst");

        await Assertions.Expect(dialog.GetByTestId("compressed-notice")).ToHaveTextAsync(
            "This file is compressed (zstd): it is decompressed while it uploads; the image stores the decompressed disk and its checksums are of the decompressed bytes.");
        await Assertions.Expect(dialog.GetByLabel("Name")).ToHaveValueAsync("cloud-disk");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();

        var upload = page.GetByTestId("upload").Filter(new() { HasText = "cloud-disk" });
        await Assertions.Expect(upload.GetByTestId("upload-figures")).ToContainTextAsync(" sent");
        await Assertions.Expect(upload.GetByTestId("upload-written")).ToContainTextAsync("written");
        await BrowserFixture.ExpectUploadCompletedAsync(upload, 120_000);

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "cloud-disk" });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await Assertions.Expect(row).ToContainTextAsync("1.1 GB");
        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Data.PortalDbContext>>(browser.App.Services);
        await using var db = await factory.CreateDbContextAsync();
        var image = db.Images.Single(i => i.Name == "cloud-disk");
        Assert.Equal(md5, image.Checksum);
        Assert.Equal(1L << 30, image.Size);
    }

    [Fact]
    public async Task UploadedImageShowsItsDetectedFormatAndVirtualSize()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "bob@demo.local");
        await CreateWithFileAsync(page, files.Disguised, "real-qcow2");
        var upload = page.GetByTestId("upload").Filter(new() { HasText = "real-qcow2" });
        await BrowserFixture.ExpectUploadCompletedAsync(upload, 30_000);

        await page.GetByRole(AriaRole.Link, new() { Name = "real-qcow2" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("detected-format")).ToHaveTextAsync("qcow2 (compat 1.1)");
        await Assertions.Expect(page.GetByTestId("virtual-size")).ToContainTextAsync("2.1 GB");
        await Assertions.Expect(page.GetByTestId("virtual-size")).ToContainTextAsync("2,147,483,648 bytes");
    }
}

/// <summary>The browser portal with one upload at a time per account.</summary>
public sealed class OneUploadBrowserFixture : BrowserFixture
{
    protected override void Configure(KestrelPortal app) => app.With("Portal:Images:MaxConcurrentUploadsPerAccount", "1");
}

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class UploadLimitBrowserTests(OneUploadBrowserFixture browser, UploadFiles files)
    : IClassFixture<OneUploadBrowserFixture>, IClassFixture<UploadFiles>
{
    [Fact]
    public async Task AnUploadBeyondTheAccountsLimitShowsTheReasonOnThePageAndLeavesTheImageQueued()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");
        await UploadBrowserTests.CreateWithFileAsync(page, files.Large, "long-backup");
        var running = page.GetByTestId("upload").Filter(new() { HasText = "long-backup" });
        await Assertions.Expect(running.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();

        await UploadBrowserTests.CreateWithFileAsync(page, files.Random, "one-upload-too-many");

        var refused = page.GetByTestId("upload").Filter(new() { HasText = "one-upload-too-many" });
        await Assertions.Expect(refused).ToHaveAttributeAsync("data-outcome", "failed");
        await Assertions.Expect(refused).ToContainTextAsync("You already have 1 upload running; wait for one to finish.");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "one-upload-too-many" });
        await Assertions.Expect(row).ToContainTextAsync("Queued");
        await Assertions.Expect(running).ToHaveAttributeAsync("data-outcome", "running");

        await running.GetByRole(AriaRole.Button, new() { Name = "Abort upload" }).ClickAsync();
        await Assertions.Expect(running).ToHaveAttributeAsync("data-outcome", "aborted");
    }
}
