using System.Net;
using System.Text.Json;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>A portal that wants at least 10 MB every second from each transfer.</summary>
public sealed class SlowTransferPortal : ImportPortal
{
    public override Task InitializeAsync()
    {
        With("Portal:Images:MinTransferBytesPerSecond", "10000000");
        With("Portal:Images:MinRateWindowSeconds", "1");
        return base.InitializeAsync();
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SlowTransferTests(SlowTransferPortal portal) : IClassFixture<SlowTransferPortal>
{
    [Fact]
    public async Task UploadSlowerThanTheMinimumRateIsStoppedAndTheImageQueuedWithTheReason()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "slow-upload");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(40L << 20, hold);

        // The client sends 1 MiB and then nothing more: the server stops it when the window ends.
        var upload = client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Saving);
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        hold.TrySetResult();
        HttpStatusCode? status = null;
        string? detail = null;
        try
        {
            using var response = await upload;
            status = response.StatusCode;
            detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending; the image tells the outcome.
        }

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Contains("per second arrived over 1 seconds", stored.StatusReason);
        Assert.True(status is null || (status == HttpStatusCode.BadRequest && detail == stored.StatusReason), $"Unexpected {status}: {detail}");
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    [Fact]
    public async Task ImportSlowerThanTheMinimumRateStopsAndCanBeRetried()
    {
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "slow-import", portal.ImageServer.Url("/stall"));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);

        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.StartsWith("The import was stopped: less than 10 MB per second", stored.StatusReason);
        Assert.True(stored.Decide(ImageAction.RetryImport, await portal.CallerAsync("alice@demo.local")).Allowed);
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }
}
