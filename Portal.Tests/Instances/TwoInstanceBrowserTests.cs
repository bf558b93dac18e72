using System.Net;
using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

/// <summary>A page open on instance B follows what happens on instance A, without a reload.</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class TwoInstanceBrowserTests(PortalPairBrowser portals) : TwoInstanceBrowserTests<PortalPairBrowser>(portals), IClassFixture<PortalPairBrowser>;

/// <summary>Live updates across any pair of instances (see <see cref="ScaledOutBrowserTests"/> for PostgreSQL and Swift).</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
public abstract class TwoInstanceBrowserTests<TPair>(TPair portals)
    where TPair : PortalPairBrowser
{
    [Fact]
    public async Task AnUploadThroughAShowsLiveOnAPageOpenOnB()
    {
        var page = await portals.SignedInPageAsync(portals.B, "alice@demo.local");
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Private images" })).ToHaveAttributeAsync("aria-selected", "true");

        // A reload would forget this; it is still there at the end.
        await page.EvaluateAsync("() => window.__sameDocument = true");

        var (image, token) = await portals.A.NewQueuedImageAsync("alice@demo.local", "uploaded-on-a");
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "uploaded-on-a", Exact = true }) });
        await Assertions.Expect(row).ToContainTextAsync("Queued");

        using var onA = await portals.A.SignedInHttpClientAsync("alice@demo.local");
        using var upload = await onA.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new GeneratedContent(4 << 20)));
        Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);

        await Assertions.Expect(row).ToContainTextAsync("Active");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        Assert.StartsWith(portals.B.BaseAddress.ToString().TrimEnd('/'), page.Url);
    }
}
