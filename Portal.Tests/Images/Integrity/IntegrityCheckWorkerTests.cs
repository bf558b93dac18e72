using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Images;
using Portal.Images.Integrity;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Integrity;

/// <summary>The background job, driven by a <see cref="FakeTimeProvider"/>: no test waits for real hours.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class IntegrityCheckWorkerTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();
    private readonly FakeTimeProvider _time;

    public IntegrityCheckWorkerTests() => _time = new FakeTimeProvider(_harness.Clock.GetUtcNow());

    public void Dispose() => _harness.Dispose();

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    private string FileOf(Guid id) => Path.Combine(_harness.Database.ImagesFolder, id.ToString("D"));

    private IntegrityCheckRequests? _requests;

    private IntegrityCheckRequests Requests => _requests ??= new IntegrityCheckRequests(_time);

    private IntegrityCheckWorker Worker(int intervalHours = 24)
    {
        var options = Options.Create(new PortalOptions { Integrity = { IntervalHours = intervalHours, MaxBytesPerSecond = 1_000_000 } });
        var checker = new ImageIntegrityChecker(
            _harness.Database, _harness.Store, _time, _harness.Events, options, NullLogger<ImageIntegrityChecker>.Instance);
        var leases = new Portal.Coordination.JobLeases(_harness.Database, new Portal.Coordination.PortalInstance(), _time, options);
        return new IntegrityCheckWorker(checker, leases, Requests, _time, options, NullLogger<IntegrityCheckWorker>.Instance);
    }

    private async Task<Image> StoredAsync(Guid id)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    [Fact]
    public async Task AnImageIsRecheckedOnlyOnceTheIntervalHasPassed()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "daily", Now);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 123);
        var worker = Worker();

        _time.Advance(TimeSpan.FromHours(1));
        var sleep = await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(image.Id)).Integrity);
        Assert.Equal(TimeSpan.FromHours(23), sleep);

        _time.Advance(sleep);
        sleep = await worker.RunOnceAsync(CancellationToken.None);

        var stored = await StoredAsync(image.Id);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, stored.Integrity);
        Assert.Equal(Now, stored.IntegrityCheckedAt);
        Assert.Equal(TimeSpan.FromHours(24), sleep);
    }

    [Fact]
    public async Task TheOldestCheckedImagesAreDueAndQueuedOnesAreLeftAlone()
    {
        var old = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "old", Now);
        _time.Advance(TimeSpan.FromHours(12));
        var recent = await IntegrityTestImages.AddAsync(_harness, Callers.Bob, "recent", Now);
        var queued = await _harness.AddImageAsync(Callers.Alice, "queued", active: false);
        _time.Advance(TimeSpan.FromHours(13));

        var sleep = await Worker().RunOnceAsync(CancellationToken.None);

        Assert.Equal(Now, (await StoredAsync(old.Id)).IntegrityCheckedAt);
        Assert.Equal(recent.IntegrityCheckedAt, (await StoredAsync(recent.Id)).IntegrityCheckedAt);
        Assert.Equal(ImageIntegrity.Unchecked, (await StoredAsync(queued.Id)).Integrity);
        Assert.Equal(TimeSpan.FromHours(11), sleep);
    }

    [Fact]
    public async Task TheRunningJobChecksDueImagesAtOnceAndStopsCleanly()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "due", Now);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 0);
        _time.Advance(TimeSpan.FromDays(2));
        using var worker = Worker();

        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await StoredAsync(image.Id)).Integrity != ImageIntegrity.ChecksumMismatch && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ImageIntegrity.ChecksumMismatch, (await StoredAsync(image.Id)).Integrity);
        Assert.True(worker.ExecuteTask?.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AnIntervalOfZeroSwitchesThePeriodicCheckOffButTheOperatorsRequestStillRuns()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "ignored", Now);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 0);
        _time.Advance(TimeSpan.FromDays(30));
        using var worker = Worker(intervalHours: 0);

        await worker.StartAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(image.Id)).Integrity);

        Requests.Request(Callers.Operator);
        await Eventually.TrueAsync(() => Requests.Current is { IsFinished: true });
        await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ImageIntegrity.ChecksumMismatch, (await StoredAsync(image.Id)).Integrity);
        Assert.True(worker.ExecuteTask?.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task VerifyAllImagesWakesTheSleepingJobWhichRehashesEveryImageAndReportsProgressAndFindings()
    {
        var first = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "first", Now);
        var second = await IntegrityTestImages.AddAsync(_harness, Callers.Bob, "second", Now);
        using var worker = Worker();
        await worker.StartAsync(CancellationToken.None);

        // Both were verified a moment ago: the periodic job has nothing due for 24 hours, and sleeps.
        IntegrityTestImages.FlipByte(FileOf(second.Id), at: 10);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<FullIntegrityCheck>();
        Requests.Changed += () => seen.Enqueue(Requests.Current!);
        var requested = Requests.Request(Callers.Operator);
        await Eventually.TrueAsync(() => Requests.Current is { IsFinished: true });
        await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Callers.Operator.Email, requested.RequestedBy);
        Assert.Equal(new IntegrityCheckSummary(Intact: 1, DataMissing: 0, WrongSize: 0, ChecksumMismatch: 1), Requests.Current!.Found);
        Assert.Contains(seen, c => c is { StartedAt: not null, Done: 1, Total: 2, FinishedAt: null });
        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(first.Id)).Integrity);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, (await StoredAsync(second.Id)).Integrity);
    }

    [Fact]
    public void OnlyTheOperatorMayAskForEveryImageToBeVerified()
    {
        var refused = Assert.Throws<RefusedException>(() => Requests.Request(Callers.Alice));

        Assert.Equal(RefusalCode.NotAllowed, refused.Code);
        Assert.Equal(ImagePolicy.OnlyOperatorVerifies, refused.Message);
        Assert.Null(Requests.Current);
    }

    [Fact]
    public async Task ARequestWhileOneIsWaitingJoinsItAndTheJobRunsOnce()
    {
        await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "once", Now);

        var first = Requests.Request(Callers.Operator);
        var second = Requests.Request(Callers.Operator);
        await Worker().RunOnceAsync(CancellationToken.None);
        var afterwards = await Worker().RunOnceAsync(CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(1, Requests.Current!.Found!.Checked);
        Assert.Equal(TimeSpan.FromHours(24), afterwards);
    }

    [Fact]
    public async Task ALongIntervalStillWakesDailyAndRechecksNothingBeforeItIsDue()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "yearly", Now);
        var worker = Worker(intervalHours: 8_760);

        _time.Advance(TimeSpan.FromDays(100));
        var sleep = await worker.RunOnceAsync(CancellationToken.None);

        Assert.Equal(TimeSpan.FromDays(1), sleep);
        Assert.Equal(image.IntegrityCheckedAt, (await StoredAsync(image.Id)).IntegrityCheckedAt);
    }
}
