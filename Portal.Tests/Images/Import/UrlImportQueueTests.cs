using Microsoft.Extensions.Options;
using Portal.Images.Import;
using Portal.Rules;

namespace Portal.Tests.Images.Import;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class UrlImportQueueTests
{
    private readonly UrlImportQueue _queue = new(Options.Create(new ImportOptions { MaxRunningPerAccount = 2, MaxQueuedPerAccount = 3 }));
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public void AnAccountRunsNoMoreThanItsLimitAndTheRestWaitForTheirTurn()
    {
        var images = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        images.ForEach(id => _queue.Enqueue(id, _alice));

        Assert.True(_queue.TryTake(out var first));
        Assert.True(_queue.TryTake(out var second));
        Assert.False(_queue.TryTake(out _));
        Assert.True(_queue.IsWaiting(images[2]));

        first.Dispose();
        Assert.True(_queue.TryTake(out var third));
        Assert.Equal(images, [first.ImageId, second.ImageId, third.ImageId]);
        Assert.False(_queue.IsWaiting(images[2]));
    }

    [Fact]
    public void AnotherAccountStartsWhileTheFirstIsAtItsLimit()
    {
        for (var i = 0; i < 3; i++)
        {
            _queue.Enqueue(Guid.NewGuid(), _alice);
        }

        var bobs = Guid.NewGuid();
        _queue.Enqueue(bobs, _bob);

        var started = new List<Guid>();
        while (_queue.TryTake(out var lease))
        {
            started.Add(lease.ImageId);
        }

        Assert.Equal(3, started.Count);
        Assert.Contains(bobs, started);
        Assert.Equal(1, _queue.WaitingOf(_alice));
    }

    [Fact]
    public void OneImportMoreThanTheAccountMayHaveWaitingIsRefusedWithTheNumberFromTheConfiguration()
    {
        for (var i = 0; i < 3; i++)
        {
            _queue.Enqueue(Guid.NewGuid(), _alice);
        }

        var refused = Assert.Throws<RefusedException>(() => _queue.Enqueue(Guid.NewGuid(), _alice));

        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal("You already have 3 imports waiting; wait for one to finish.", refused.Message);
        Assert.True(_queue.DecideEnqueue(_bob).Allowed);
    }

    [Fact]
    public void ACancelledImportLeavesTheLineAndFreesItsPlace()
    {
        var images = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        images.ForEach(id => _queue.Enqueue(id, _alice));

        _queue.Remove(images[1]);

        Assert.False(_queue.IsWaiting(images[1]));
        Assert.True(_queue.DecideEnqueue(_alice).Allowed);
        var started = new List<Guid>();
        while (_queue.TryTake(out var lease))
        {
            started.Add(lease.ImageId);
        }

        Assert.Equal([images[0], images[2]], started);
    }

    [Fact]
    public void RemovingTheLastWaitingImportOfAnAccountLetsTheOthersTakeTurns()
    {
        var alices = Guid.NewGuid();
        var bobs = Guid.NewGuid();
        _queue.Enqueue(alices, _alice);
        _queue.Enqueue(bobs, _bob);

        _queue.Remove(alices);

        Assert.True(_queue.TryTake(out var lease));
        Assert.Equal(bobs, lease.ImageId);
        Assert.False(_queue.TryTake(out _));
    }

    [Fact]
    public async Task TheWorkerWaitsUntilASlotIsFree()
    {
        _queue.Enqueue(Guid.NewGuid(), _alice);
        _queue.Enqueue(Guid.NewGuid(), _alice);
        _queue.Enqueue(Guid.NewGuid(), _alice);
        using var first = await _queue.TakeAsync(CancellationToken.None);
        var second = await _queue.TakeAsync(CancellationToken.None);

        var third = _queue.TakeAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        second.Dispose();

        using var started = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, _queue.WaitingOf(_alice));
    }
}
