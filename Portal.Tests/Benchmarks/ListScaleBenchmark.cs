using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Benchmarks;

public sealed record ListBenchmarkOptions(int Images, int SmallImages, int Rounds, string Database)
{
    public static readonly string[] Databases = ["sqlite", "postgresql"];

    public static bool TryParse(IReadOnlyList<string> args, out ListBenchmarkOptions options, out string error)
    {
        options = new ListBenchmarkOptions(100_000, 100, 5, "sqlite");
        error = string.Empty;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--images" when int.TryParse(value, CultureInfo.InvariantCulture, out var images) && images is >= 1_000 and <= 2_000_000:
                    options = options with { Images = images };
                    break;
                case "--small" when int.TryParse(value, CultureInfo.InvariantCulture, out var small) && small is >= 50 and <= 10_000:
                    options = options with { SmallImages = small };
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds is >= 1 and <= 50:
                    options = options with { Rounds = rounds };
                    break;
                case "--database" when value is not null && Databases.Contains(value):
                    options = options with { Database = value };
                    break;
                default:
                    error = $"Unknown option or bad value: {args[i]} {value}".TrimEnd();
                    return false;
            }
        }

        if (options.SmallImages >= options.Images)
        {
            error = "The small account must hold fewer images than the large one (--small < --images).";
            return false;
        }

        return true;
    }
}

/// <summary>
/// Whether an image list costs the same in an account of a hundred images and in one of a hundred thousand: the Images
/// page's Private images tab, first page and a page turn, in headless Chromium (Debian's, through Playwright), and the
/// Image API's first page and the page after its marker, as each customer. Both accounts live in one fresh portal, so
/// both see the same database, cache and machine; the rounds alternate which goes first. Target: large ≤ 2 × small.
/// </summary>
public static class ListScaleBenchmark
{
    public const double TargetRatio = 2;

    private const int PageSize = 25;
    private const int ApiRequestsPerRound = 5;

    private sealed record Account(string Email, int Images, IBrowserContext Browser, HttpClient Api);

    private sealed class Figures
    {
        public List<double> FirstRender { get; } = [];
        public List<double> PageTurn { get; } = [];
        public List<double> ApiFirst { get; } = [];
        public List<double> ApiNext { get; } = [];
    }

    public static async Task<int> RunAsync(ListBenchmarkOptions options)
    {
        var started = Stopwatch.StartNew();
        await using var portal = new BenchmarkPortal();

        // The seeded images have no bytes: the integrity check must not spend the run finding them missing.
        portal.With("Portal:Integrity:IntervalHours", "0");
        portal.With("Portal:Database:Provider", options.Database);

        // Closing a measured page ends its circuit while the usage chart may still be drawing; that is no finding here.
        portal.With("Logging:LogLevel:Microsoft.AspNetCore.Components.Web.ErrorBoundary", "Error");
        try
        {
            await portal.InitializeAsync();
            return await RunAsync(options, portal);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or PlaywrightException or DbUpdateException)
        {
            await Console.Error.WriteLineAsync($"list-benchmark failed: {e.Message}");
            return 1;
        }
        finally
        {
            Console.WriteLine($"(finished in {started.Elapsed.TotalSeconds:0} s)");
        }
    }

    private static async Task<int> RunAsync(ListBenchmarkOptions options, BenchmarkPortal portal)
    {
        var dbFactory = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            Console.WriteLine($"List scale benchmark: {options.Images:N0} images vs {options.SmallImages:N0}, {options.Rounds} round(s), "
                + $"database {options.Database} ({db.Database.ProviderName})");
        }

        if (options.Database == "postgresql" && !IsPostgreSql(portal))
        {
            throw new InvalidOperationException(
                "The portal did not start on PostgreSQL (Portal:Database:Provider = postgresql and its connection settings).");
        }

        Console.WriteLine($"machine: {MachineInfo.Describe(portal.DataFolder)}");
        Console.WriteLine($"load average (1 min) at start: {MachineInfo.LoadAverage()}");

        var now = DateTime.UtcNow;
        const string small = "bob@demo.local";
        const string large = BenchmarkPortal.Email;
        var seeded = await ListScaleSeeder.SeedAsync(dbFactory, await portal.CallerAsync(small), options.SmallImages, now);
        Console.WriteLine($"seeded {options.SmallImages:N0} images into {small} in {seeded.TotalSeconds:0.0} s");
        seeded = await ListScaleSeeder.SeedAsync(dbFactory, await portal.CallerAsync(large), options.Images, now);
        Console.WriteLine($"seeded {options.Images:N0} images into {large} in {seeded.TotalSeconds:0.0} s "
            + $"({options.Images / seeded.TotalSeconds:N0} rows/s)");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var accounts = new[]
        {
            await AccountAsync(portal, browser, small, options.SmallImages),
            await AccountAsync(portal, browser, large, options.Images),
        };
        var figures = accounts.ToDictionary(a => a, _ => new Figures());

        // Untimed: the first page of each pays for compiling the portal's code and its queries, and fills the caches.
        foreach (var account in accounts)
        {
            await MeasurePageAsync(account, new Figures(), check: true);
            await MeasureApiAsync(account, new Figures(), check: true);
        }

        for (var round = 1; round <= options.Rounds; round++)
        {
            // Alternating the order cancels a load that grows or fades during the run.
            var order = round % 2 == 1 ? accounts : [.. accounts.Reverse()];
            foreach (var account in order)
            {
                await MeasurePageAsync(account, figures[account], check: false);
                await MeasureApiAsync(account, figures[account], check: false);
            }

            Console.WriteLine($"round {round}/{options.Rounds}  " + string.Join("  |  ", accounts.Select(a =>
                $"{a.Images,7:N0}: render {figures[a].FirstRender[^1],5:0} ms, turn {figures[a].PageTurn[^1],4:0} ms, "
                + $"API {figures[a].ApiFirst.TakeLast(ApiRequestsPerRound).Order().ElementAt(ApiRequestsPerRound / 2),4:0.0} ms")));
        }

        foreach (var account in accounts)
        {
            await account.Browser.CloseAsync();
            account.Api.Dispose();
        }

        Console.WriteLine($"load average (1 min) at end: {MachineInfo.LoadAverage()}");
        Console.WriteLine();
        return PrintSummary(options, figures[accounts[0]], figures[accounts[1]]) ? 0 : 1;
    }

    private static bool IsPostgreSql(BenchmarkPortal portal)
    {
        using var db = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        return db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;
    }

    private static async Task<Account> AccountAsync(BenchmarkPortal portal, IBrowser browser, string email, int images)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInThroughFormAsync(page, email);
        await page.CloseAsync();

        var (_, token) = await portal.ApiTokenAsync(email, "list-benchmark");
        return new Account(email, images, context, portal.ApiClient(token));
    }

    /// <summary>
    /// A fresh page of the Private images tab, timed from the navigation until its circuit is up and the grid shows the
    /// first page's rows; then the pager's next page, timed from the click until the grid shows other rows.
    /// </summary>
    private static async Task MeasurePageAsync(Account account, Figures figures, bool check)
    {
        var page = await account.Browser.NewPageAsync();
        try
        {
            var rows = Math.Min(PageSize, account.Images);
            var clock = Stopwatch.StartNew();
            await page.GotoAsync("/compute/images", new() { WaitUntil = WaitUntilState.Commit });
            await page.WaitForFunctionAsync(
                "n => document.body.dataset.interactive === 'true' && document.querySelectorAll('.portal-grid tbody tr a.portal-image-link').length >= n",
                rows);
            figures.FirstRender.Add(clock.Elapsed.TotalMilliseconds);

            if (check)
            {
                var pager = await page.Locator(".mud-table-pagination-caption").Last.InnerTextAsync();
                var total = pager.Split(" of ") is [_, var count] ? new string([.. count.Where(char.IsAsciiDigit)]) : "";
                if (total != account.Images.ToString(CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException($"{account.Email}'s grid says \"{pager}\"; expected {account.Images} images.");
                }
            }

            var first = await page.Locator(".portal-grid tbody tr a.portal-image-link").First.GetAttributeAsync("href");
            clock.Restart();
            await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
            await page.WaitForFunctionAsync(
                "([first, n]) => { const links = document.querySelectorAll('.portal-grid tbody tr a.portal-image-link'); "
                + "return links.length >= n && links[0].getAttribute('href') !== first; }",
                new object[] { first!, rows });
            figures.PageTurn.Add(clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary><c>GET /image/v2/images?limit=25</c> and the page its <c>next</c> link points to, a few times each.</summary>
    private static async Task MeasureApiAsync(Account account, Figures figures, bool check)
    {
        for (var n = 0; n < ApiRequestsPerRound; n++)
        {
            var (first, firstMs) = await GetAsync(account.Api, $"/image/v2/images?limit={PageSize}");
            figures.ApiFirst.Add(firstMs);
            var next = first["next"]?.GetValue<string>() ?? throw new InvalidOperationException($"{account.Email}'s list has no next page.");
            var (second, nextMs) = await GetAsync(account.Api, "/image" + next);
            figures.ApiNext.Add(nextMs);
            if (check && (first["images"]!.AsArray().Count != PageSize || second["images"]!.AsArray().Count != PageSize))
            {
                throw new InvalidOperationException($"{account.Email}'s API pages do not hold {PageSize} images each.");
            }
        }
    }

    private static async Task<(JsonNode Body, double Milliseconds)> GetAsync(HttpClient client, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {text}");
        }

        return (JsonNode.Parse(text)!, elapsed);
    }

    private static bool PrintSummary(ListBenchmarkOptions options, Figures small, Figures large)
    {
        var rows = new List<string[]> { new[] { "measure", $"{options.SmallImages:N0} images", $"{options.Images:N0} images", "ratio", "target", "result" } };
        var met = true;
        void Row(string name, List<double> a, List<double> b)
        {
            var (x, y) = (Median(a), Median(b));
            var ratio = y / x;
            met &= ratio <= TargetRatio;
            rows.Add([name, $"{x:0.0} ms", $"{y:0.0} ms", $"{ratio:0.00} ×", $"≤ {TargetRatio:0} ×", ratio <= TargetRatio ? "PASS" : "FAIL"]);
        }

        Row("Images page, Private tab: first render (navigation → rows)", small.FirstRender, large.FirstRender);
        Row("Images page, Private tab: page turn (Next page → rows)", small.PageTurn, large.PageTurn);
        Row($"API GET /image/v2/images?limit={PageSize}", small.ApiFirst, large.ApiFirst);
        Row("API next page (marker)", small.ApiNext, large.ApiNext);

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c is 1 or 2 or 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }

        Console.WriteLine($"(medians: browser over {options.Rounds} round(s), API over {options.Rounds} × {ApiRequestsPerRound} requests; "
            + $"database {options.Database})");
        return met;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
