using Portal.Accounts;
using Portal.Images;
using Portal.Images.Import;
using Portal.Images.Transfer;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Import;

/// <summary>The import line in the database: per-account limits, turns, and one line for every instance.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UrlImportQueueTests : IDisposable
{
    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["Portal:Import:MaxRunningPerAccount"] = "2",
        ["Portal:Import:MaxQueuedPerAccount"] = "3",
    };

    private readonly ImageServiceHarness _harness = new(settings: Limits);

    public void Dispose() => _harness.Dispose();

    private UrlImportQueue Queue => _harness.Imports;

    private async Task<Guid> EnqueueAsync(Caller owner, ImageServiceHarness? on = null)
    {
        var image = await (on ?? _harness).Service.CreateAsync(owner, new CreateImageRequest
        {
            Name = $"import-{Guid.NewGuid():N}",
            Source = ImageSource.Url,
            ImageUrl = "https://cloud.example.com/disk.img",
            DiskFormat = DiskFormat.Raw,
        });

        // Later in line than the one before.
        _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        return image.Id;
    }

    /// <summary>An import ends as the transfer service ends it: the image leaves importing, then the slot goes back.</summary>
    private async Task FinishAsync(TransferClaim claim)
    {
        await _harness.Transfers.AbandonAsync(claim.ImageId, "The server had a problem (HTTP 503). Try again later.");
        await Queue.FinishedAsync(claim);
    }

    private async Task<List<Guid>> TakeAllAsync(UrlImportQueue? queue = null)
    {
        var started = new List<Guid>();
        while (await (queue ?? Queue).TryTakeAsync(CancellationToken.None) is { } claim)
        {
            started.Add(claim.ImageId);
        }

        return started;
    }

    [Fact]
    public async Task AnAccountRunsNoMoreThanItsLimitAndTheRestWaitForTheirTurn()
    {
        var images = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            images.Add(await EnqueueAsync(Callers.Alice));
        }

        var first = await Queue.TryTakeAsync(CancellationToken.None);
        var second = await Queue.TryTakeAsync(CancellationToken.None);
        Assert.Null(await Queue.TryTakeAsync(CancellationToken.None));
        Assert.True(await Queue.IsWaitingAsync(images[2]));

        await FinishAsync(first!);
        var third = await Queue.TryTakeAsync(CancellationToken.None);
        Assert.Equal(images, [first!.ImageId, second!.ImageId, third!.ImageId]);
        Assert.False(await Queue.IsWaitingAsync(images[2]));
    }

    [Fact]
    public async Task AnotherAccountStartsWhileTheFirstIsAtItsLimit()
    {
        for (var i = 0; i < 3; i++)
        {
            await EnqueueAsync(Callers.Alice);
        }

        var bobs = await EnqueueAsync(Callers.Bob);

        var started = await TakeAllAsync();

        Assert.Equal(3, started.Count);
        Assert.Contains(bobs, started);
        Assert.Equal(1, await Queue.WaitingOfAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task OneImportMoreThanTheAccountMayHaveWaitingIsRefusedWithTheNumberFromTheConfiguration()
    {
        for (var i = 0; i < 3; i++)
        {
            await EnqueueAsync(Callers.Alice);
        }

        var refused = await Assert.ThrowsAsync<RefusedException>(() => EnqueueAsync(Callers.Alice));

        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal("You already have 3 imports waiting; wait for one to finish.", refused.Message);
        Assert.True((await Queue.DecideEnqueueAsync(Callers.BobAccount)).Allowed);
    }

    [Fact]
    public async Task ACancelledImportLeavesTheLineAndFreesItsPlace()
    {
        var images = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            images.Add(await EnqueueAsync(Callers.Alice));
        }

        await _harness.Service.CancelImportAsync(Callers.Alice, images[1]);

        Assert.False(await Queue.IsWaitingAsync(images[1]));
        Assert.True((await Queue.DecideEnqueueAsync(Callers.AliceAccount)).Allowed);
        Assert.Equal([images[0], images[2]], await TakeAllAsync());
    }

    [Fact]
    public async Task TheWorkerWaitsUntilASlotIsFree()
    {
        for (var i = 0; i < 3; i++)
        {
            await EnqueueAsync(Callers.Alice);
        }

        var first = await Queue.TakeAsync(CancellationToken.None);
        var second = await Queue.TakeAsync(CancellationToken.None);

        var third = Queue.TakeAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        await FinishAsync(second);

        var started = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(first.ImageId, started.ImageId);
        Assert.Equal(0, await Queue.WaitingOfAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task TwoInstancesNeverRunTheSameImportAndShareTheAccountsLimit()
    {
        using var other = new ImageServiceHarness(_harness, settings: Limits);
        var images = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            images.Add(await EnqueueAsync(Callers.Alice, on: i % 2 == 0 ? _harness : other));
        }

        // Both instances take from the one line at once, as their workers do.
        var (mine, theirs) = await Race.RunAsync(() => TakeAllAsync(), () => TakeAllAsync(other.Imports));

        var started = mine.Value!.Concat(theirs.Value!).ToList();
        Assert.Equal(2, started.Count);
        Assert.Equal(started.Count, started.Distinct().Count());
        Assert.Equal(2, await _harness.Get<TransferLedger>().RunningAsync(Callers.AliceAccount, TransferKind.Import));
        Assert.Equal(1, await other.Imports.WaitingOfAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task AnImportWhoseInstanceDiedIsPickedUpAgainByAnotherOnce()
    {
        using var other = new ImageServiceHarness(_harness, settings: Limits);
        var image = await EnqueueAsync(Callers.Alice);
        var taken = await Queue.TryTakeAsync(CancellationToken.None);
        Assert.Equal(image, taken?.ImageId);
        Assert.Null(await other.Imports.TryTakeAsync(CancellationToken.None));

        // This instance dies: nobody renews its lease, and after the lease the other one puts the import back in line.
        _harness.Clock.Advance(TimeSpan.FromSeconds(_harness.Options.Value.Instances.LeaseSeconds + 1));
        var heartbeats = await Task.WhenAll(
            other.Get<TransferHeartbeat>().BeatAsync(CancellationToken.None),
            other.Get<TransferHeartbeat>().BeatAsync(CancellationToken.None));

        Assert.Equal(1, heartbeats.Sum());
        var restarted = await other.Service.GetAsync(Callers.Alice, image);
        Assert.Equal((ImageStatus.Importing, 1), (restarted.Status, restarted.ImportRestarts));
        Assert.Equal(image, (await other.Imports.TryTakeAsync(CancellationToken.None))?.ImageId);
    }
}
