using System.Net;
using Microsoft.Playwright;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>The details page's Download button saves the image's data, byte for byte, on a desktop and on a phone.</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class DownloadBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task TheDownloadButtonSavesTheImagesBytes(int width, int height)
    {
        var (image, bytes) = await ActiveImageAsync($"Download test {width}px");
        var page = await browser.NewPageAsync(width, height);
        await browser.SignInAsync(page, "alice@demo.local", $"/compute/images/{image.Id}");

        var button = page.GetByRole(AriaRole.Link, new() { Name = "Download", Exact = true });
        await Assertions.Expect(button).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => button.ClickAsync());
        var saved = Path.Combine(Path.GetTempPath(), $"portal-download-{Guid.NewGuid():N}");
        try
        {
            await download.SaveAsAsync(saved);

            Assert.Equal($"Download-test-{width}px.raw", download.SuggestedFilename);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(saved));
        }
        finally
        {
            File.Delete(saved);
        }

        // The page is still the details page: the link was not taken over by the circuit's navigation.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = image.Name })).ToBeVisibleAsync();
        Assert.Empty(browser.CspViolationsOn(page));
    }

    private async Task<(Image Image, byte[] Bytes)> ActiveImageAsync(string name)
    {
        var (_, token) = await browser.App.ApiTokenAsync("alice@demo.local");
        using var api = browser.App.ApiClient(token);
        var (image, _) = await browser.App.NewQueuedImageAsync("alice@demo.local", name);
        var bytes = new byte[3 << 20];
        Random.Shared.NextBytes(bytes);
        using var uploaded = await api.SendAsync(KestrelPortal.UploadRequest(image.Id, null, new ByteArrayContent(bytes)));
        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        return (await browser.App.WaitForStatusAsync(image.Id, ImageStatus.Active), bytes);
    }
}
