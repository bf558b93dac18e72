using System.Net;
using System.Text.Json;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

public sealed class OneUploadPerAccountPortal : KestrelPortal
{
    public OneUploadPerAccountPortal() => With("Portal:Images:MaxConcurrentUploadsPerAccount", "1");
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UploadLimitTests(OneUploadPerAccountPortal portal) : IClassFixture<OneUploadPerAccountPortal>
{
    [Fact]
    public async Task UploadBeyondTheAccountsLimitAnswers429WithTheReasonAndLeavesTheImageQueued()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (running, runningToken) = await portal.NewQueuedImageAsync("alice@demo.local", "running");
        var (waiting, waitingToken) = await portal.NewQueuedImageAsync("alice@demo.local", "one-too-many");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(4L << 20, hold);
        var upload = client.SendAsync(KestrelPortal.UploadRequest(running.Id, runningToken, content));
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await portal.WaitForStatusAsync(running.Id, ImageStatus.Saving);

        using var refused = await client.SendAsync(KestrelPortal.UploadRequest(waiting.Id, waitingToken, new ByteArrayContent(new byte[1 << 20])));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        var error = problem.RootElement.GetProperty("error");
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.Equal("too_many", error.GetProperty("reason").GetString());
        Assert.Equal("You already have 1 upload running; wait for one to finish.", error.GetProperty("message").GetString());
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(waiting.Id)).Status);

        hold.SetResult();
        using var finished = await upload;
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        using var retry = await client.SendAsync(KestrelPortal.UploadRequest(waiting.Id, waitingToken, new ByteArrayContent(new byte[1 << 20])));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
    }

    [Fact]
    public async Task AnotherAccountUploadsWhileOneAccountIsAtItsLimit()
    {
        using var alice = await portal.SignedInHttpClientAsync("alice@demo.local");
        using var bob = await portal.SignedInHttpClientAsync("bob@demo.local");
        var (alices, alicesToken) = await portal.NewQueuedImageAsync("alice@demo.local", "alice-busy");
        var (bobs, bobsToken) = await portal.NewQueuedImageAsync("bob@demo.local", "bob-free");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(4L << 20, hold);
        var upload = alice.SendAsync(KestrelPortal.UploadRequest(alices.Id, alicesToken, content));
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await portal.WaitForStatusAsync(alices.Id, ImageStatus.Saving);

        using var response = await bob.SendAsync(KestrelPortal.UploadRequest(bobs.Id, bobsToken, new ByteArrayContent(new byte[1 << 20])));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        hold.SetResult();
        using var finished = await upload;
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
    }
}
