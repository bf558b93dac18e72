using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Portal.Tests.Benchmarks.InputFileProbe;

/// <summary>
/// Measures Blazor's <c>InputFile</c> path on this machine, in this run: a bare Blazor Server app of the test
/// assembly on its own loopback port (not part of the portal, which never uses InputFile for image data), a file
/// picked in headless Chromium and read to its end on the server through the circuit.
/// </summary>
public static class InputFileProbeRun
{
    public static async Task<double> MegabytesPerSecondAsync(IBrowser browser, string file, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ProbeApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Development,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseStaticWebAssets();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        await using var app = builder.Build();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<ProbeApp>().AddInteractiveServerRenderMode();
        await app.StartAsync(cancellationToken);
        try
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(app.Urls.Single() + "/inputfile-probe");
            await page.WaitForSelectorAsync("#interactive", new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });
            await page.Locator("#file").SetInputFilesAsync(file);
            var result = await page.Locator("#result").TextContentAsync(new() { Timeout = 30 * 60_000 });
            var parts = result!.Split(' ');
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) / (double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) / 1000) / 1e6;
        }
        finally
        {
            await app.StopAsync(cancellationToken);
        }
    }
}
