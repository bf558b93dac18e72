using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The portal on a clock the test moves, with upload tokens that last one minute.</summary>
public sealed class OneMinuteTokenPortal : KestrelPortal
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public override Task InitializeAsync()
    {
        With("Portal:Images:UploadTokenLifetimeMinutes", "1");
        return base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UploadTokenExpiryTests(OneMinuteTokenPortal portal) : IClassFixture<OneMinuteTokenPortal>
{
    [Fact]
    public async Task AnUploadThatOutlivesItsTokenFinishesWhileALateStartIsRefused()
    {
        using var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var alice = await portal.CallerAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "outlives-its-token");
        var (late, lateToken) = await portal.NewQueuedImageAsync("alice@demo.local", "starts-too-late");
        var hold = new TaskCompletionSource();
        using var content = new GeneratedContent(8L << 20, hold);

        var upload = client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));
        await content.FirstChunkSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await portal.WaitForStatusAsync(image.Id, ImageStatus.Saving);

        // The token's minute runs out while the data is arriving (in steps shorter than the idle timeout and the
        // minimum-rate window, which would stop a transfer for their own reasons).
        for (var step = 0; step < 3; step++)
        {
            portal.Clock.Advance(TimeSpan.FromSeconds(25));
            await Task.Delay(50);
        }

        var tokens = portal.Services.GetRequiredService<UploadTokens>();
        Assert.False(tokens.IsValid(token, image.Id, alice));
        hold.TrySetResult();
        using (var response = await upload)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(content.Sha512, stored.OsHashValue);

        // A token as old, presented to start an upload, is refused with the way forward.
        using var refused = await client.SendAsync(KestrelPortal.UploadRequest(late.Id, lateToken, new ByteArrayContent(new byte[4096])));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Equal("This upload link is not valid for this image any more. Start the upload again from the portal.", detail);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(late.Id)).Status);
    }
}
