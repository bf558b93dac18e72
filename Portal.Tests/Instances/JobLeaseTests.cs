using Microsoft.EntityFrameworkCore;
using Portal.Coordination;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.RecentlyDeleted;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

/// <summary>Background jobs claimed through the database: two instances on one database, one clock the test moves.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class JobLeaseTests : IDisposable
{
    private readonly ImageServiceHarness _a = new();
    private readonly ImageServiceHarness _b;

    public JobLeaseTests() => _b = new ImageServiceHarness(_a);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    private TimeSpan Lease => TimeSpan.FromSeconds(_a.Options.Value.Instances.LeaseSeconds);

    private RecentlyDeletedScrubber ScrubberOf(ImageServiceHarness instance) => new(
        instance.Service, instance.Get<JobLeases>(), instance.Clock, instance.Options,
        Microsoft.Extensions.Logging.Abstractions.NullLogger<RecentlyDeletedScrubber>.Instance);

    [Fact]
    public async Task TheScrubberRunsExactlyOncePerDueImageWhenBothInstancesRunAtOnce()
    {
        var due = new List<Image>();
        for (var i = 0; i < 6; i++)
        {
            var image = await _a.AddImageAsync(Callers.Alice, $"deleted-{i}");
            await _a.Service.DeleteAsync(Callers.Alice, image.Id);
            due.Add(image);
        }

        _a.Clock.Advance(_a.Service.RestoreWindow + TimeSpan.FromMinutes(1));

        var removed = 0;
        for (var round = 0; round < 5; round++)
        {
            var rounds = await Task.WhenAll(ScrubberOf(_a).RunOnceAsync(CancellationToken.None), ScrubberOf(_b).RunOnceAsync(CancellationToken.None));
            removed += rounds.Sum();
        }

        Assert.Equal(due.Count, removed);
        await using var db = _a.Database.CreateDbContext();
        foreach (var image in due)
        {
            Assert.Equal(ImageStatus.Deleted, (await db.Images.SingleAsync(i => i.Id == image.Id)).Status);
            Assert.Equal(1, await db.ImageActivities.CountAsync(a => a.ImageId == image.Id && a.Kind == ImageActivityKind.Scrubbed));
        }
    }

    [Fact]
    public async Task WhileOneInstanceHoldsTheLeaseTheOtherSkipsTheRound()
    {
        var image = await _a.AddImageAsync(Callers.Alice, "deleted");
        await _a.Service.DeleteAsync(Callers.Alice, image.Id);
        _a.Clock.Advance(_a.Service.RestoreWindow + TimeSpan.FromMinutes(1));
        Assert.True(await _a.Get<JobLeases>().TryTakeAsync(RecentlyDeletedScrubber.JobName, CancellationToken.None));

        Assert.Equal(0, await ScrubberOf(_b).RunOnceAsync(CancellationToken.None));

        Assert.Equal(ImageStatus.PendingDelete, (await _b.Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.Equal(1, await ScrubberOf(_a).RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ALeaseHeldByADeadInstanceIsTakenOverAfterItRunsOutAndNotBefore()
    {
        var a = _a.Get<JobLeases>();
        var b = _b.Get<JobLeases>();
        Assert.True(await a.TryTakeAsync("job", CancellationToken.None));
        Assert.False(await b.TryTakeAsync("job", CancellationToken.None));

        // A renews (its heartbeat) half a lease later; B still cannot take it a little after the first lease would have ended.
        _a.Clock.Advance(Lease / 2);
        Assert.True(await a.TryTakeAsync("job", CancellationToken.None));
        _a.Clock.Advance(Lease / 2 + TimeSpan.FromSeconds(1));
        Assert.False(await b.TryTakeAsync("job", CancellationToken.None));

        // A dies: nobody renews, and once the lease has run out B takes over; A (were it only stalled) has lost it.
        _a.Clock.Advance(Lease);
        Assert.True(await b.TryTakeAsync("job", CancellationToken.None));
        Assert.False(await a.TryTakeAsync("job", CancellationToken.None));
    }

    [Fact]
    public async Task VerifyAllImagesAskedOnBWaitsForTheRoundOfAAndThenRunsOnB()
    {
        await _a.AddImageAsync(Callers.Alice, "stored");
        var requests = _b.Get<Portal.Images.Integrity.IntegrityCheckRequests>();
        var worker = new Portal.Images.Integrity.IntegrityCheckWorker(
            _b.Get<Portal.Images.Integrity.ImageIntegrityChecker>(), _b.Get<JobLeases>(), requests, _b.Clock, _b.Options,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Portal.Images.Integrity.IntegrityCheckWorker>.Instance);
        Assert.True(await _a.Get<JobLeases>().TryTakeAsync(Portal.Images.Integrity.IntegrityCheckWorker.JobName, CancellationToken.None));
        requests.Request(Callers.Operator);

        var wait = await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(_b.Options.Value.Instances.HeartbeatSeconds), wait);
        Assert.False(requests.Current!.IsFinished);
        await _a.Get<JobLeases>().ReleaseAsync(Portal.Images.Integrity.IntegrityCheckWorker.JobName, CancellationToken.None);
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.True(requests.Current!.IsFinished);
        Assert.Equal(1, requests.Current.Found!.Checked);
    }

    [Fact]
    public async Task OfTwoInstancesTakingAFreeLeaseAtOnceExactlyOneWins()
    {
        for (var round = 0; round < 10; round++)
        {
            var job = $"race-{round}";
            var outcomes = await Race.RunAllAsync(
                () => _a.Get<JobLeases>().TryTakeAsync(job, CancellationToken.None),
                () => _b.Get<JobLeases>().TryTakeAsync(job, CancellationToken.None));

            Assert.Equal(1, outcomes.Count(o => o.Value));
        }
    }
}
