using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Import;
using Portal.Images.Integrity;
using Portal.Tests.Images.Integrity;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Transfer;

/// <summary>
/// What the portal finds and repairs when it starts, over a real SQLite file and the disk store: the state a crash
/// leaves behind is made by hand (files removed or cut short, images left saving or importing, partial files).
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class StartupReconciliationTests : IDisposable
{
    private const string SourceUrl = "https://images.example.com/disk.qcow2";

    private readonly ImageServiceHarness _harness = new();

    private DateTime Now => _harness.Clock.GetUtcNow().UtcDateTime;

    public void Dispose() => _harness.Dispose();

    /// <summary>
    /// One start of the portal after the last one stopped: the transfers the stopped one ran are no longer renewed, so by
    /// the time the new one starts their leases have run out.
    /// </summary>
    private async Task<(StartupReconciliation Result, UrlImportQueue Imports)> StartAsync()
    {
        _harness.Clock.Advance(TimeSpan.FromSeconds(_harness.Options.Value.Instances.LeaseSeconds + 1));
        await using var db = _harness.Database.CreateDbContext();
        var result = await InterruptedTransfers.RecoverAsync(db, _harness.Store, _harness.Imports, Now, CancellationToken.None, _harness.Get<TransferLedger>());
        return (result, _harness.Imports);
    }

    /// <summary>The started portal's import worker takes every import in line (and runs them until the next crash).</summary>
    private async Task RunImportsAsync()
    {
        while (await _harness.Imports.TryTakeAsync(CancellationToken.None) is not null)
        {
        }
    }

    private async Task<Image> StoredAsync(Guid id)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    private string FileOf(Guid id) => Path.Combine(_harness.Database.ImagesFolder, id.ToString("D"));

    private async Task<Image> InTransferAsync(string name, ImageStatus status, Caller? owner = null)
    {
        owner ??= Callers.Alice;
        var image = Image.Create(owner, new NewImage(name, DiskFormat.Qcow2), Now);
        if (status == ImageStatus.Importing)
        {
            image.BeginImport(owner, SourceUrl, Now);
        }
        else
        {
            image.BeginTransfer(owner, status, Now);
        }

        await using var db = _harness.Database.CreateDbContext();
        db.Images.Add(image);
        await db.SaveChangesAsync();

        // The running portal's row for the transfer, which it stops renewing when it goes down.
        await _harness.Get<TransferLedger>().BeginAsync(image.Id, owner.AccountId,
            status == ImageStatus.Importing ? TransferKind.Import : TransferKind.Upload, null, null, CancellationToken.None);
        return image;
    }

    [Fact]
    public async Task AnActiveImageWhoseFileIsGoneIsFlaggedDataMissingAndNotServed()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "gone", size: 4096);
        File.Delete(FileOf(image.Id));

        var (result, _) = await StartAsync();

        var stored = await StoredAsync(image.Id);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(ImageIntegrity.DataMissing, stored.Integrity);
        Assert.Equal(Now, stored.IntegrityCheckedAt);
        Assert.Equal(1, result.DataMissing);
        var refused = await Assert.ThrowsAsync<ImageRuleException>(() => _harness.Transfers.OpenDownloadAsync(Callers.Alice, image.Id));
        Assert.Equal(ImagePolicy.IntegrityRefusal(ImageIntegrity.DataMissing), refused.Message);
    }

    [Fact]
    public async Task ATruncatedFileIsFlaggedWrongSizeAndADeactivatedOneToo()
    {
        var active = await _harness.AddImageAsync(Callers.Alice, "cut", size: 4096);
        var withdrawn = await _harness.AddImageAsync(Callers.Operator, "withdrawn", ImageVisibility.Public, size: 4096);
        await _harness.Service.DeactivateAsync(Callers.Operator, withdrawn.Id);
        foreach (var id in new[] { active.Id, withdrawn.Id })
        {
            await using var file = File.OpenWrite(FileOf(id));
            file.SetLength(1000);
        }

        var (result, _) = await StartAsync();

        Assert.Equal(ImageIntegrity.WrongSize, (await StoredAsync(active.Id)).Integrity);
        Assert.Equal(ImageIntegrity.WrongSize, (await StoredAsync(withdrawn.Id)).Integrity);
        Assert.Equal(ImageStatus.Deactivated, (await StoredAsync(withdrawn.Id)).Status);
        Assert.Equal(2, result.WrongSize);
        await Assert.ThrowsAsync<ImageRuleException>(() => _harness.Transfers.OpenDownloadAsync(Callers.Alice, active.Id));
    }

    [Fact]
    public async Task AnIntactFileIsMarkedIntactAndStillServedWithoutTouchingTheImagesVersion()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "fine", size: 4096);

        var (result, _) = await StartAsync();

        var stored = await StoredAsync(image.Id);
        Assert.Equal(ImageIntegrity.Intact, stored.Integrity);
        Assert.Equal(image.Version, stored.Version);
        Assert.Equal(image.UpdatedAt, stored.UpdatedAt);
        Assert.Equal(new StartupReconciliation(0, 0, 0, 0, 0, 0, 1), result);
        var download = await _harness.Transfers.OpenDownloadAsync(Callers.Alice, image.Id);
        await using var data = download.Data;
        Assert.Equal(4096, data.Length);
    }

    [Fact]
    public async Task AFileThatCameBackIsUncheckedAndFirstInLineForReHashingNotIntactOnItsSizeAlone()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "restored", size: 4096);
        var kept = FileOf(image.Id) + ".kept";
        File.Move(FileOf(image.Id), kept);
        await StartAsync();
        Assert.Equal(ImageIntegrity.DataMissing, (await StoredAsync(image.Id)).Integrity);
        File.Move(kept, FileOf(image.Id));

        var (result, _) = await StartAsync();

        var stored = await StoredAsync(image.Id);
        Assert.Equal((ImageIntegrity.Unchecked, (DateTime?)null), (stored.Integrity, stored.IntegrityCheckedAt));
        Assert.Equal(new StartupReconciliation(0, 0, 0, 0, 0, 0, 0, 0, DataReturned: 1), result);
        Assert.Contains("1 image whose missing or wrong-size data is back, to be re-hashed.", result.Summary);
    }

    [Fact]
    public async Task AFileThatCameBackWithOtherBytesOfTheRightSizeIsCaughtByTheReHash()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "swapped", size: 4096);
        var kept = FileOf(image.Id) + ".kept";
        File.Move(FileOf(image.Id), kept);
        await StartAsync();
        var other = File.ReadAllBytes(kept);
        other[100] ^= 0xFF;
        File.WriteAllBytes(FileOf(image.Id), other);
        await StartAsync();

        var summary = await _harness.Get<Portal.Images.Integrity.ImageIntegrityChecker>().CheckDueAsync(_harness.Clock.GetUtcNow().UtcDateTime, CancellationToken.None);

        Assert.Equal(1, summary.ChecksumMismatch);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, (await StoredAsync(image.Id)).Integrity);
    }

    [Fact]
    public async Task AnInterruptedImportIsRestartedOnceThenLeftQueuedForTheCustomer()
    {
        var image = await InTransferAsync("from-url", ImageStatus.Importing);

        var (first, firstQueue) = await StartAsync();

        var restarted = await StoredAsync(image.Id);
        Assert.Equal(ImageStatus.Importing, restarted.Status);
        Assert.Equal(1, restarted.ImportRestarts);
        Assert.True(await firstQueue.IsWaitingAsync(image.Id));
        Assert.Equal(1, first.ImportsRestarted);

        // The restarted import runs, and the portal goes down again before it finishes.
        await RunImportsAsync();
        var (second, secondQueue) = await StartAsync();

        var requeued = await StoredAsync(image.Id);
        Assert.Equal(ImageStatus.Queued, requeued.Status);
        Assert.Equal(InterruptedTransfers.ImportInterruptedAgain, requeued.StatusReason);
        Assert.False(await secondQueue.IsWaitingAsync(image.Id));
        Assert.Equal((0, 1), (second.ImportsRestarted, second.ImportsRequeued));
        Assert.True(requeued.Decide(ImageAction.RetryImport, Callers.Alice).Allowed);
    }

    [Fact]
    public async Task ARetryByTheCustomerEarnsTheImportAnotherRestart()
    {
        var image = await InTransferAsync("retried", ImageStatus.Importing);
        await StartAsync();
        await RunImportsAsync();
        await StartAsync();
        await _harness.Service.RetryImportAsync(Callers.Alice, image.Id);
        await RunImportsAsync();

        var (result, imports) = await StartAsync();

        Assert.Equal(1, result.ImportsRestarted);
        Assert.True(await imports.IsWaitingAsync(image.Id));
        Assert.Equal(ImageStatus.Importing, (await StoredAsync(image.Id)).Status);
    }

    [Fact]
    public async Task ImportsBeyondTheAccountsWaitingLineAreLeftQueuedNotLost()
    {
        var max = _harness.Get<IOptions<ImportOptions>>().Value.MaxQueuedPerAccount;
        var images = new List<Image>();
        for (var i = 0; i <= max; i++)
        {
            images.Add(await InTransferAsync($"import-{i}", ImageStatus.Importing));
            _harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var (result, imports) = await StartAsync();

        Assert.Equal((max, 1), (result.ImportsRestarted, result.ImportsRequeued));
        Assert.Equal(max, await imports.WaitingOfAsync(Callers.Alice.AccountId));
        var last = await StoredAsync(images[^1].Id);
        Assert.Equal(ImageStatus.Queued, last.Status);
        Assert.Equal(InterruptedTransfers.Reason, last.StatusReason);
    }

    [Fact]
    public async Task TheSummaryCountsEverythingThatWasRepairedOrFound()
    {
        var upload = await InTransferAsync("uploading", ImageStatus.Saving);
        await InTransferAsync("importing", ImageStatus.Importing);
        var gone = await _harness.AddImageAsync(Callers.Alice, "gone");
        await _harness.AddImageAsync(Callers.Bob, "fine");
        File.Delete(FileOf(gone.Id));
        var incoming = Path.Combine(_harness.Database.ImagesFolder, LocalDiskImageStore.IncomingFolderName);
        File.WriteAllBytes(Path.Combine(incoming, $"{upload.Id:D}.1.partial"), new byte[10]);
        File.WriteAllBytes(Path.Combine(incoming, $"{upload.Id:D}.2.partial"), new byte[10]);

        var (result, _) = await StartAsync();

        Assert.Equal(new StartupReconciliation(1, 1, 0, 2, 1, 0, 1), result);
        Assert.Equal(
            "Start-up reconciliation: 1 interrupted upload put back to queued, 1 import restarted, 0 imports put back to queued, "
            + "2 partial files removed, 1 image with missing data, 0 with the wrong size, 1 intact.",
            result.Summary);
        Assert.Empty(Directory.EnumerateFiles(incoming));
        var requeued = await StoredAsync(upload.Id);
        Assert.Equal((ImageStatus.Queued, InterruptedTransfers.Reason), (requeued.Status, requeued.StatusReason));
    }

    [Fact]
    public async Task ASizeThatFitsNeitherClearsAChecksumMismatchNorPassesForAFreshVerification()
    {
        var rotten = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "rotten", Now, ImageVisibility.Public);
        var whole = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "whole", Now);
        IntegrityTestImages.FlipByte(FileOf(rotten.Id), at: 1);
        await _harness.Get<ImageIntegrityChecker>().CheckAsync(Callers.Operator, rotten.Id);
        var verifiedAt = Now;
        _harness.Clock.Advance(TimeSpan.FromHours(30));

        var (result, _) = await StartAsync();

        var stillRotten = await StoredAsync(rotten.Id);
        Assert.Equal((ImageIntegrity.ChecksumMismatch, verifiedAt), (stillRotten.Integrity, stillRotten.IntegrityCheckedAt));
        Assert.Equal((ImageIntegrity.Intact, whole.IntegrityCheckedAt), ((await StoredAsync(whole.Id)).Integrity, (await StoredAsync(whole.Id)).IntegrityCheckedAt));
        Assert.Equal(new StartupReconciliation(0, 0, 0, 0, 0, 0, 1, StillChecksumMismatch: 1), result);
        Assert.EndsWith("1 intact, 1 still flagged for a checksum mismatch.", result.Summary);
    }
}
