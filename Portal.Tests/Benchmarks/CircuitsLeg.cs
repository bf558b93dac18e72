using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;
using static Portal.Tests.Benchmarks.LegSupport;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// Blazor Server under load: <see cref="Pages"/> pages in one headless Chromium (Debian's, through Playwright), each
/// its own circuit, open the Images page of one customer whose private images fill several grid pages, and turn
/// <see cref="Turns"/> grid pages each, all at once, while <see cref="Uploads"/> uploads of that customer run without
/// pause (each started again when it ends; checked through the API and deleted), which also sends live updates to
/// every open page. Bounded by <see cref="TimeLimit"/>. Target: zero errors (console errors, page errors, failed
/// requests, circuit disconnects, failed uploads); the page-turn latency (click to the grid showing the next rows)
/// median and p95, and the server's memory (resident set over the idle server) are reported.
/// </summary>
public static partial class CircuitsLeg
{
    public const int Pages = 50;
    public const int Turns = 5;
    public const int Uploads = 4;
    public const int RowsPerPage = 25;
    public const int SeededImages = (RowsPerPage * (Turns + 1)) + 50;
    public const long DefaultBytes = 256L << 20;

    public static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(10);

    public static async Task<bool> RunAsync(UploadBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var bytes = options.BytesOr(DefaultBytes);
        await using var portal = new BenchmarkPortal();
        portal.With("Portal:Images:MaxConcurrentUploadsPerAccount", (Uploads * 2).ToString(CultureInfo.InvariantCulture));
        await portal.InitializeAsync();
        var work = Directory.CreateDirectory(Path.Combine(portal.DataFolder, "circuits-leg")).FullName;
        Console.WriteLine($"circuits   {Pages} pages in one headless Chromium, each opening the Images page and turning {Turns} grid pages "
            + $"({SeededImages} private images seeded, {RowsPerPage} rows a page), while {Uploads} uploads of {Size(bytes)} run without pause; "
            + $"limit {TimeLimit.TotalMinutes:0} min");

        var caller = await portal.CallerAsync(BenchmarkPortal.Email);
        var service = portal.Services.GetRequiredService<ImageService>();
        for (var i = 0; i < SeededImages; i++)
        {
            await service.CreateAsync(caller, new CreateImageRequest
            {
                Name = $"seeded-{i:D4}",
                Source = ImageSource.File,
                FileName = $"seeded-{i:D4}.img",
                FileSize = 1,
                DiskFormat = DiskFormat.Raw,
            });
        }

        var files = new List<SourceFile>();
        for (var i = 0; i < Uploads; i++)
        {
            files.Add(await RandomFileAsync(Path.Combine(work, $"upload-{i}.bin"), bytes, cancellationToken));
        }

        var (_, token) = await portal.ApiTokenAsync(BenchmarkPortal.Email, "circuits-benchmark");
        using var api = portal.ApiClient(token);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout((float)TimeSpan.FromMinutes(2).TotalMilliseconds);
        var errors = new ConcurrentQueue<string>();
        var whileClosing = new ConcurrentQueue<string>();
        var closing = false;
        context.Page += (_, page) => Watch(page, errors, whileClosing, () => closing);

        // One sign-in through the form; every page of the context shares its cookie, each page has its own circuit.
        var signIn = await context.NewPageAsync();
        await BrowserFixture.SignInThroughFormAsync(signIn, BenchmarkPortal.Email);
        await TurnPagesAsync(signIn, null, cancellationToken);
        await signIn.CloseAsync();

        var idle = await MemorySampler.IdleAsync();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeLimit);
        using var stopUploads = new CancellationTokenSource();
        var uploadCounts = new int[Uploads];
        var uploading = Enumerable.Range(0, Uploads).Select(i => Task.Run(async () =>
        {
            while (!stopUploads.IsCancellationRequested)
            {
                try
                {
                    var (image, _) = await portal.NewQueuedImageAsync($"circuits-upload-{i}-{uploadCounts[i]}");
                    await CurlUploadAsync(portal.BaseAddress, image.Id, token, files[i].Path, limit.Token);
                    await VerifyThroughApiAsync(api, image.Id, files[i], limit.Token);
                    await portal.DeleteImageAsync(image.Id);
                    uploadCounts[i]++;
                }
                catch (Exception e) when (!limit.IsCancellationRequested)
                {
                    errors.Enqueue($"upload {i}: {e.Message}");
                    await Task.Delay(1000, CancellationToken.None);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (TimeoutException)
                {
                    return;
                }
            }
        })).ToArray();

        // The uploads run before the first page opens: every page opens and pages under their load.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var sampler = MemorySampler.Start();
        var clock = Stopwatch.StartNew();
        var openings = new ConcurrentBag<double>();
        var turns = new ConcurrentBag<double>();
        var pages = new IPage[Pages];
        var finished = 0;
        var browsing = Enumerable.Range(0, Pages).Select(async n =>
        {
            try
            {
                var page = pages[n] = await context.NewPageAsync();
                var open = Stopwatch.StartNew();
                await page.GotoAsync("/compute/images");
                await BrowserFixture.WaitForCircuitAsync(page);
                await Assertions.Expect(Caption(page)).ToHaveTextAsync(CaptionStarting(1), new() { Timeout = 120_000 });
                openings.Add(open.Elapsed.TotalMilliseconds);
                await TurnPagesAsync(page, turns, limit.Token);
                Interlocked.Increment(ref finished);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException or OperationCanceledException)
            {
                errors.Enqueue($"page {n}: {e.Message.Split('\n')[0]}");
            }
        }).ToArray();
        await Task.WhenAll(browsing);
        var elapsed = clock.Elapsed;

        // Every circuit is still open here: a disconnect during the run shows Blazor's reconnect dialog.
        foreach (var (page, n) in pages.Select((p, n) => (p, n)).Where(p => p.p is not null))
        {
            if (await page.Locator(".components-reconnect-show, .components-reconnect-failed, .components-reconnect-rejected").CountAsync() > 0)
            {
                errors.Enqueue($"page {n}: Blazor's reconnect dialog is showing (the circuit disconnected)");
            }
        }

        var memory = await sampler.StopAsync();
        await stopUploads.CancelAsync();
        await Task.WhenAll(uploading);
        closing = true;
        await context.CloseAsync();
        Directory.Delete(work, recursive: true);

        var errorList = errors.Concat(portal.ServerProblems.Select(p => $"server: {p}")).ToList();
        foreach (var error in errorList.Take(20))
        {
            Console.WriteLine($"circuits   error: {error}");
        }

        foreach (var message in whileClosing.Take(5))
        {
            Console.WriteLine($"circuits   (while the pages closed, not counted: {message})");
        }

        var growth = memory.ResidentBytes - idle.Resident;
        var median = Median(turns);
        var p95 = Percentile(turns, 0.95);
        var complete = finished == Pages && turns.Count == Pages * Turns;
        PrintTable([
            ["leg", "measured", "compared with", "ratio", "target", "result"],
            [$"errors ({Pages} pages, {turns.Count} page turns, {uploadCounts.Sum()} uploads of {Size(bytes)} done meanwhile)",
                errorList.Count.ToString(CultureInfo.InvariantCulture), "", "", "0", Verdict(errorList.Count == 0 && complete)],
            ["page turn latency, median", $"{median:0} ms", "", "", "reported", ""],
            ["page turn latency, p95", $"{p95:0} ms", "", "", "reported", ""],
            ["opening the Images page (to the first grid page), median", $"{Median(openings):0} ms", "", "", "reported", ""],
            ["server memory growth, all circuits open", Mib(growth), "idle server", "", "reported", $"{Mib(growth / Pages)} a circuit"],
            ["server managed heap, peak", Mib(memory.ManagedBytes), $"idle {Mib(idle.Managed)}", "", "reported", ""],
        ]);
        Console.WriteLine($"({finished}/{Pages} pages finished in {elapsed.TotalSeconds:0.0} s; uploads per worker: {string.Join(", ", uploadCounts)}; "
            + $"GCs (gen 0/1/2) {memory.Gen0}/{memory.Gen1}/{memory.Gen2})");
        Console.WriteLine();
        return errorList.Count == 0 && complete;
    }

    /// <summary>The pager's "26-50 of 200" (its other caption is "Rows per page:").</summary>
    private static ILocator Caption(IPage page) =>
        page.Locator(".portal-grid .mud-table-pagination-caption").Filter(new() { HasTextRegex = new Regex(@"\d+\s*-\s*\d+") }).First;

    private static Regex CaptionStarting(int first) => new($"^\\s*{first}\\s*-");

    /// <summary>Clicks "next page" <see cref="Turns"/> times; each turn timed until the grid's caption shows the next rows.</summary>
    private static async Task TurnPagesAsync(IPage page, ConcurrentBag<double>? latencies, CancellationToken cancellationToken)
    {
        var next = page.Locator(".portal-grid").First.GetByRole(AriaRole.Button, new() { Name = "Next page" });
        for (var turn = 1; turn <= Turns; turn++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            await next.ClickAsync();
            await Assertions.Expect(Caption(page)).ToHaveTextAsync(CaptionStarting((turn * RowsPerPage) + 1), new() { Timeout = 120_000 });
            latencies?.Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    private static void Watch(IPage page, ConcurrentQueue<string> errors, ConcurrentQueue<string> whileClosing, Func<bool> closing)
    {
        page.Console += (_, message) =>
        {
            // Closing a page sends Blazor's disconnect beacon, and the server disposes the circuit; a render
            // acknowledgement still on the page's socket then gets "Circuit has been shut down due to error." (logged
            // by ComponentHub at Debug as a call after shutdown). That is the page going away, not a fault of the run.
            if (message.Type == "error" || message.Text.Contains("disconnect", StringComparison.OrdinalIgnoreCase))
            {
                (closing() ? whileClosing : errors).Enqueue($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Enqueue($"page error: {error}");
        page.RequestFailed += (_, request) =>
        {
            if (!closing())
            {
                errors.Enqueue($"request failed: {request.Method} {request.Url} {request.Failure}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 500)
            {
                errors.Enqueue($"HTTP {response.Status}: {response.Url}");
            }
        };
    }
}
