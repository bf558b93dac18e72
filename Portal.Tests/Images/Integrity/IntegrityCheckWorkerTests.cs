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

    private IntegrityCheckWorker Worker(int intervalHours = 24)
    {
        var options = Options.Create(new PortalOptions { Integrity = { IntervalHours = intervalHours, MaxBytesPerSecond = 1_000_000 } });
        var checker = new ImageIntegrityChecker(
            _harness.Database, _harness.Store, _time, _harness.Events, options, NullLogger<ImageIntegrityChecker>.Instance);
        return new IntegrityCheckWorker(checker, _time, options, NullLogger<IntegrityCheckWorker>.Instance);
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
    public async Task AnIntervalOfZeroSwitchesTheJobOff()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "ignored", Now);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 0);
        _time.Advance(TimeSpan.FromDays(30));
        using var worker = Worker(intervalHours: 0);

        await worker.StartAsync(CancellationToken.None);
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(image.Id)).Integrity);
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
