using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Import;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>One import at a time per account, two more in line.</summary>
public sealed class ImportQueuePortal : ImportPortal
{
    public override Task InitializeAsync()
    {
        With("Portal:Import:MaxRunningPerAccount", "1");
        With("Portal:Import:MaxQueuedPerAccount", "2");
        return base.InitializeAsync();
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImportQueueTests(ImportQueuePortal portal) : IClassFixture<ImportQueuePortal>
{
    [Fact]
    public async Task ImportsBeyondTheAccountsLimitWaitTheirTurnAndAFullLineIsRefusedAtOnce()
    {
        var queue = portal.Services.GetRequiredService<UrlImportQueue>();
        var alice = await portal.CallerAsync("alice@demo.local");
        var images = portal.Services.GetRequiredService<ImageService>();
        var running = await portal.CreateFromUrlAsync("alice@demo.local", "running", portal.ImageServer.Url("/silent"));
        var transfers = portal.Services.GetRequiredService<Portal.Images.Transfer.ActiveTransfers>();
        await Eventually.TrueAsync(() => transfers.IsRunning(running.Id));
        var waiting = await portal.CreateFromUrlAsync("alice@demo.local", "waiting-1", portal.ImageServer.Url("/file?probe=queue-1"));
        var alsoWaiting = await portal.CreateFromUrlAsync("alice@demo.local", "waiting-2", portal.ImageServer.Url("/file?probe=queue-2"));

        var refused = await Assert.ThrowsAsync<RefusedException>(() =>
            portal.CreateFromUrlAsync("alice@demo.local", "one-too-many", portal.ImageServer.Url("/file")));

        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal("You already have 2 imports waiting; wait for one to finish.", refused.Message);
        Assert.Equal(ImageStatus.Importing, (await portal.ImageAsync(waiting.Id)).Status);
        Assert.True(await queue.IsWaitingAsync(waiting.Id));
        Assert.False(portal.ImageServer.Saw("queue-1"));

        // Another account is not held up by Alice's line.
        var bobs = await portal.CreateFromUrlAsync("bob@demo.local", "bobs", portal.ImageServer.Url("/file"));
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(bobs.Id, ImageStatus.Active)).Status);

        await images.CancelImportAsync(alice, running.Id);
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(waiting.Id, ImageStatus.Active)).Status);
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(alsoWaiting.Id, ImageStatus.Active)).Status);
    }

    [Fact]
    public async Task AnImportDeletedWhileWaitingGivesUpItsPlaceInLineAndIsNeverDownloaded()
    {
        var queue = portal.Services.GetRequiredService<UrlImportQueue>();
        var bob = await portal.CallerAsync("bob@demo.local");
        var images = portal.Services.GetRequiredService<ImageService>();
        var transfers = portal.Services.GetRequiredService<Portal.Images.Transfer.ActiveTransfers>();
        var running = await portal.CreateFromUrlAsync("bob@demo.local", "holding-the-slot", portal.ImageServer.Url("/silent"));
        await Eventually.TrueAsync(() => transfers.IsRunning(running.Id));
        var deleted = await portal.CreateFromUrlAsync("bob@demo.local", "deleted-in-line", portal.ImageServer.Url("/file?probe=deleted-in-line"));
        var waiting = await portal.CreateFromUrlAsync("bob@demo.local", "still-in-line", portal.ImageServer.Url("/file?probe=still-in-line"));

        await images.DeleteAsync(bob, deleted.Id);

        Assert.False(await queue.IsWaitingAsync(deleted.Id));
        Assert.Equal(1, await queue.WaitingOfAsync(bob.AccountId));
        // The place it held is free again: the line of two has room for one more.
        var tookThePlace = await portal.CreateFromUrlAsync("bob@demo.local", "took-the-place", portal.ImageServer.Url("/file?probe=took-the-place"));

        await images.CancelImportAsync(bob, running.Id);
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(waiting.Id, ImageStatus.Active)).Status);
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(tookThePlace.Id, ImageStatus.Active)).Status);
        Assert.Equal(ImageStatus.Deleted, (await portal.ImageAsync(deleted.Id)).Status);
        Assert.False(portal.ImageServer.Saw("deleted-in-line"));
        Assert.Equal(0, await queue.WaitingOfAsync(bob.AccountId));
    }
}
