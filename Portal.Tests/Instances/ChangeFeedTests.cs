using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

/// <summary>The image change feed: what one instance saves, the other tells its pages; own changes are not told twice.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ChangeFeedTests : IDisposable
{
    private readonly ImageServiceHarness _a = new();
    private readonly ImageServiceHarness _b;

    public ChangeFeedTests() => _b = new ImageServiceHarness(_a);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    private ConcurrentQueue<ImageChange> Heard(ImageServiceHarness instance, Portal.Accounts.Caller caller)
    {
        var heard = new ConcurrentQueue<ImageChange>();
        instance.Events.Subscribe(caller, change =>
        {
            heard.Enqueue(change);
            return Task.CompletedTask;
        });
        return heard;
    }

    [Fact]
    public async Task AChangeSavedOnAReachesTheSubscribersOfBOnce()
    {
        var image = await _a.AddImageAsync(Callers.Alice, "watched");
        var poller = _b.Get<ImageChangePoller>();
        await poller.PollAsync(CancellationToken.None);
        var onB = Heard(_b, Callers.Alice);
        var bobOnB = Heard(_b, Callers.Bob);

        await _a.Service.SetProtectedAsync(Callers.Alice, image.Id, true);
        Assert.Equal(1, await poller.PollAsync(CancellationToken.None));
        Assert.Equal(0, await poller.PollAsync(CancellationToken.None));

        await Eventually.TrueAsync(() => onB.Count == 1);
        Assert.True(Assert.Single(onB).Image.IsProtected);
        Assert.Empty(bobOnB);
    }

    [Fact]
    public async Task AnInstanceDoesNotTellItsPagesItsOwnChangesAgain()
    {
        var image = await _a.AddImageAsync(Callers.Alice, "mine");
        var poller = _a.Get<ImageChangePoller>();
        await poller.PollAsync(CancellationToken.None);

        await _a.Service.SetProtectedAsync(Callers.Alice, image.Id, true);

        Assert.Equal(0, await poller.PollAsync(CancellationToken.None));
        await using var db = _a.Database.CreateDbContext();
        Assert.True(await db.ImageChangeFeed.AnyAsync(r => r.ImageId == image.Id));
    }

    [Fact]
    public async Task AnImageThatLeftAViewIsToldToThoseWhoSawItBefore()
    {
        var image = await _a.AddImageAsync(Callers.Operator, "catalog-image", visibility: ImageVisibility.Public);
        var poller = _b.Get<ImageChangePoller>();
        await poller.PollAsync(CancellationToken.None);
        var aliceOnB = Heard(_b, Callers.Alice);

        // Deactivated: customers no longer see it, and their open catalog must drop it.
        await _a.Service.DeactivateAsync(Callers.Operator, image.Id);
        await poller.PollAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => aliceOnB.Count == 1);
        Assert.Equal(ImageStatus.Deactivated, Assert.Single(aliceOnB).Status);
    }
}
