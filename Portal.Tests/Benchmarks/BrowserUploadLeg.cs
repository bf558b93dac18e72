using System.Diagnostics;
using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Benchmarks;

/// <summary>What a browser leg gets: the running portal, a signed-in way to create an image, and the file.</summary>
/// <param name="BaseAddress">Where the portal listens (real Kestrel on loopback).</param>
/// <param name="Email">A demo user to sign in as in the browser; its password is <see cref="Password"/>.</param>
/// <param name="NewQueuedImageAsync">Creates a queued image of that user's, with an upload token, without the UI.</param>
/// <param name="VerifyStoredAsync">Throws unless the image is active with the file's size, MD5 and SHA-512; then deletes it.</param>
public sealed record BrowserLegContext(
    Uri BaseAddress,
    string Email,
    string Password,
    Func<string, Task<(Image Image, string Token)>> NewQueuedImageAsync,
    Func<Guid, Task> VerifyStoredAsync,
    SourceFile File,
    BenchmarkPortal Portal,
    CancellationToken CancellationToken);

/// <param name="MegabytesPerSecond">The page's own upload (10^6 bytes per second).</param>
/// <param name="InputFileMegabytesPerSecond">Blazor's InputFile path over the circuit, measured in the same run.</param>
/// <param name="Memory">The server's peak during the page's upload.</param>
/// <param name="IdleResidentBytes">The server's resident set right before the upload (the circuit already open).</param>
public sealed record BrowserLegResult(double MegabytesPerSecond, double InputFileMegabytesPerSecond, MemoryPeak Memory, long IdleResidentBytes);

/// <summary>
/// The same file uploaded from headless Chromium (Debian's, through Playwright) the way a customer does it:
/// the Images page's "+" form, the file picked, "Create image", until the page reports the upload complete
/// (the image is active, its bytes stored and hashed). Compared with Blazor's <c>InputFile</c> path, which
/// streams a file over the SignalR circuit, measured here too with default settings on a part of the same file.
/// </summary>
public static class BrowserUploadLeg
{
    public const double TargetRatio = 10;

    /// <summary>InputFile is slow: a slice of the file is enough for a steady figure.</summary>
    private const long InputFileSampleBytes = 256L << 20;

    public static async Task<BrowserLegResult?> RunAsync(BrowserLegContext context)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            BaseURL = context.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        page.SetDefaultTimeout(30_000);

        await BrowserFixture.SignInThroughFormAsync(page, context.Email, context.Password);

        var name = $"browser-leg-{Guid.NewGuid():N}"[..20];
        await page.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(context.File.Path);
        await Assertions.Expect(dialog.GetByText("Detected from the file's contents")).ToBeVisibleAsync();
        await dialog.GetByLabel("Name").FillAsync(name);

        var idle = await MemorySampler.IdleAsync();
        var sampler = MemorySampler.Start();
        var clock = Stopwatch.StartNew();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create image" }).ClickAsync();
        var upload = page.GetByTestId("upload").Filter(new() { HasText = name });
        await Assertions.Expect(upload).ToHaveAttributeAsync("data-outcome", "completed", new() { Timeout = 30 * 60_000 });
        clock.Stop();
        var memory = await sampler.StopAsync();

        var image = await context.Portal.FindImageAsync(name);
        await context.VerifyStoredAsync(image.Id);

        var sample = Path.Combine(Path.GetDirectoryName(context.File.Path)!, "inputfile-sample.bin");
        await CopyPrefixAsync(context.File.Path, sample, Math.Min(InputFileSampleBytes, context.File.Length), context.CancellationToken);
        try
        {
            var inputFile = await InputFileProbe.InputFileProbeRun.MegabytesPerSecondAsync(browser, sample, context.CancellationToken);
            return new BrowserLegResult(context.File.Length / clock.Elapsed.TotalSeconds / 1e6, inputFile, memory, idle.Resident);
        }
        finally
        {
            File.Delete(sample);
        }
    }

    private static async Task CopyPrefixAsync(string source, string target, long length, CancellationToken cancellationToken)
    {
        await using var from = File.OpenRead(source);
        await using var to = File.Create(target);
        var buffer = new byte[1 << 20];
        for (long copied = 0; copied < length;)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - copied)), cancellationToken);
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
        }
    }
}
