using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Images;
using Portal.Images.Import;
using Portal.Images.RecentlyDeleted;
using Portal.Images.Transfer;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.RecentlyDeleted;

/// <summary>
/// Delete, restore, delete permanently and the scrubber over real SQLite and the real disk store, with data uploaded
/// through the portal's own upload path (so the checksums are the portal's). Time is the harness's fake clock.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class RecentlyDeletedServiceTests : IDisposable
{
    private const int Size = 300_000;

    // A quota of 2 × Size + a little: two images fit, a third does not.
    private readonly ImageServiceHarness _harness = new(o => o.Storage.DefaultQuotaGb = (2 * Size + 1000) / 1_000_000_000m);

    public void Dispose() => _harness.Dispose();

    private ImageService Service => _harness.Service;

    private DateTime Now => _harness.Clock.GetUtcNow().UtcDateTime;

    private string FileOf(Guid id) => Path.Combine(_harness.Database.ImagesFolder, id.ToString("D"));

    private async Task<(Image Image, byte[] Bytes)> UploadedAsync(Caller owner, string name, ImageVisibility visibility = ImageVisibility.Private)
    {
        var bytes = RandomNumberGenerator.GetBytes(Size);
        var created = await Service.CreateAsync(owner, new CreateImageRequest
        {
            Name = name, FileName = name + ".raw", FileSize = Size, DiskFormat = DiskFormat.Raw, Visibility = visibility,
        });
        var image = await _harness.Transfers.UploadAsync(owner, created.Id, new MemoryStream(bytes), Size, CancellationToken.None);
        Assert.Equal(ImageStatus.Active, image.Status);
        return (image, bytes);
    }

    private async Task<Image> RowAsync(Guid id)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    [Fact]
    public async Task RestoreWithinTheWindowGivesBackTheSameStatusSizeChecksumsAndBytes()
    {
        var (image, bytes) = await UploadedAsync(Callers.Alice, "ubuntu-22");

        var deleted = await Service.DeleteAsync(Callers.Alice, image.Id);
        Assert.Equal(ImageStatus.PendingDelete, deleted.Status);
        Assert.Equal(Now.AddHours(24), deleted.RestorableUntil);
        _harness.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, await Service.ScrubExpiredAsync());

        var restored = await Service.RestoreAsync(Callers.AliceColleague, image.Id);

        Assert.Equal(ImageStatus.Active, restored.Status);
        var row = await RowAsync(image.Id);
        Assert.Equal(
            (ImageStatus.Active, image.Size, image.Checksum, image.OsHashAlgo, image.OsHashValue, image.ActivatedAt),
            (row.Status, row.Size, row.Checksum, row.OsHashAlgo, row.OsHashValue, row.ActivatedAt));
        Assert.Null(row.DeletedAt);
        Assert.Null(row.RestorableUntil);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(bytes)), row.OsHashValue);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(FileOf(image.Id)));
        Assert.Contains((await Service.ListAsync(Callers.Alice, new ImageQuery())).Items, i => i.Id == image.Id);
        Assert.Empty(await Service.ListRecentlyDeletedAsync(Callers.Alice));

        // Restored means usable again: the data may be downloaded.
        Assert.True(restored.Decide(ImageAction.Download, Callers.Alice).Allowed);
    }

    [Fact]
    public async Task ADeactivatedCatalogImageIsRestoredDeactivatedByTheOperator()
    {
        var (image, _) = await UploadedAsync(Callers.Operator, "old-kernel", ImageVisibility.Public);
        await Service.DeactivateAsync(Callers.Operator, image.Id);

        await Service.DeleteAsync(Callers.Operator, image.Id);
        Assert.Equal([image.Id], (await Service.ListRecentlyDeletedAsync(Callers.Operator)).Select(i => i.Id));
        Assert.Empty(await Service.ListRecentlyDeletedAsync(Callers.Alice));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.RestoreAsync(Callers.Alice, image.Id));

        var restored = await Service.RestoreAsync(Callers.Operator, image.Id);

        Assert.Equal(ImageStatus.Deactivated, restored.Status);
        Assert.True(File.Exists(FileOf(image.Id)));
    }

    [Fact]
    public async Task RestoreAfterTheWindowIsRefusedAndChangesNothing()
    {
        var (image, _) = await UploadedAsync(Callers.Alice, "too-late");
        await Service.DeleteAsync(Callers.Alice, image.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(24));

        var refusal = await Assert.ThrowsAsync<ImageRuleException>(() => Service.RestoreAsync(Callers.Alice, image.Id));

        Assert.Equal(RefusalCode.InvalidState, refusal.Code);
        Assert.Equal(ImagePolicy.RestoreWindowPassed, refusal.Message);
        Assert.Equal(ImageStatus.PendingDelete, (await RowAsync(image.Id)).Status);
    }

    [Fact]
    public async Task TheScrubberRemovesOnlyWhatIsPastTheWindowAndLeavesRestoredImagesAlone()
    {
        var (expired, _) = await UploadedAsync(Callers.Alice, "expired");
        var (restored, restoredBytes) = await UploadedAsync(Callers.Bob, "restored");
        await Service.DeleteAsync(Callers.Alice, expired.Id);
        await Service.DeleteAsync(Callers.Bob, restored.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(12));
        await Service.RestoreAsync(Callers.Bob, restored.Id);
        var (waiting, _) = await UploadedAsync(Callers.Alice, "still-in-the-window");
        await Service.DeleteAsync(Callers.Alice, waiting.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(12));
        var scrubbedAt = Now;

        Assert.Equal(1, await Service.ScrubExpiredAsync());

        var row = await RowAsync(expired.Id);
        Assert.Equal(ImageStatus.Deleted, row.Status);
        Assert.Equal(scrubbedAt, row.DeletedAt);
        Assert.False(File.Exists(FileOf(expired.Id)));
        Assert.Equal(ImageStatus.Active, (await RowAsync(restored.Id)).Status);
        Assert.Equal(restoredBytes, await File.ReadAllBytesAsync(FileOf(restored.Id)));
        Assert.Equal(ImageStatus.PendingDelete, (await RowAsync(waiting.Id)).Status);
        Assert.True(File.Exists(FileOf(waiting.Id)));

        // Nothing left to do until the next one falls due.
        Assert.Equal(0, await Service.ScrubExpiredAsync());
        _harness.Clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(1, await Service.ScrubExpiredAsync());
        Assert.False(File.Exists(FileOf(waiting.Id)));
    }

    [Fact]
    public async Task ARestoreThatSavesFirstKeepsItsImageFromTheScrubber()
    {
        var (image, _) = await UploadedAsync(Callers.Alice, "raced");
        await Service.DeleteAsync(Callers.Alice, image.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(24));

        // The scrubber has read the row; a restore (allowed a moment earlier) saves before the scrubber does.
        await using var scrubberView = _harness.Database.CreateDbContext();
        var seen = await scrubberView.Images.SingleAsync(i => i.Id == image.Id);
        await using (var restorer = _harness.Database.CreateDbContext())
        {
            var row = await restorer.Images.SingleAsync(i => i.Id == image.Id);
            row.Restore(Callers.Alice, Now.AddHours(-1));
            await restorer.SaveChangesAsync();
        }

        seen.ExpireDeletion(Now);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => scrubberView.SaveChangesAsync());
        Assert.Equal(0, await Service.ScrubExpiredAsync());
        Assert.Equal(ImageStatus.Active, (await RowAsync(image.Id)).Status);
        Assert.True(File.Exists(FileOf(image.Id)));
    }

    [Fact]
    public async Task TheOperatorPurgesAnActiveCatalogImageAtOnceButNeverAProtectedOne()
    {
        var (image, _) = await UploadedAsync(Callers.Operator, "leaked", ImageVisibility.Public);
        var (guarded, _) = await UploadedAsync(Callers.Operator, "guarded", ImageVisibility.Public);
        await Service.SetProtectedAsync(Callers.Operator, guarded.Id, true);

        var purged = await Service.DeletePermanentlyAsync(Callers.Operator, image.Id);

        Assert.Equal(ImageStatus.Deleted, purged.Status);
        Assert.Equal(Now, (await RowAsync(image.Id)).DeletedAt);
        Assert.False(File.Exists(FileOf(image.Id)));
        Assert.Empty(await Service.ListRecentlyDeletedAsync(Callers.Operator));

        var refusal = await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeletePermanentlyAsync(Callers.Operator, guarded.Id));
        Assert.Equal(RefusalCode.Protected, refusal.Code);
        Assert.Equal(ImageStatus.Active, (await RowAsync(guarded.Id)).Status);
        Assert.True(File.Exists(FileOf(guarded.Id)));
    }

    [Fact]
    public async Task ACustomerCannotPurgeAnActiveImageOnlyDeletePermanentlyFromRecentlyDeleted()
    {
        var (image, _) = await UploadedAsync(Callers.Alice, "mine");

        var refusal = await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeletePermanentlyAsync(Callers.Alice, image.Id));

        Assert.Equal(ImagePolicy.DeleteFirst, refusal.Message);
        Assert.Equal(ImageStatus.Active, (await RowAsync(image.Id)).Status);
    }

    [Fact]
    public async Task PendingDeleteBytesCountForTheQuotaUntilDeletedPermanently()
    {
        var (first, _) = await UploadedAsync(Callers.Alice, "first");
        await UploadedAsync(Callers.Alice, "second");
        await Service.DeleteAsync(Callers.Alice, first.Id);

        // Still counted: a third image does not fit while the first waits in Recently deleted.
        Assert.Equal(2L * Size, await _harness.Quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None));
        var third = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "third", FileName = "third.raw", FileSize = Size, DiskFormat = DiskFormat.Raw,
        });
        var refused = await Assert.ThrowsAsync<ImageTransferRefusedException>(() =>
            _harness.Transfers.UploadAsync(Callers.Alice, third.Id, new MemoryStream(RandomNumberGenerator.GetBytes(Size)), Size, CancellationToken.None));
        Assert.Contains("your quota is", refused.Message);
        Assert.Equal(ImageStatus.Queued, (await RowAsync(third.Id)).Status);

        await Service.DeletePermanentlyAsync(Callers.Alice, first.Id);

        Assert.Equal((long)Size, await _harness.Quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None));
        Assert.False(File.Exists(FileOf(first.Id)));
        var uploaded = await _harness.Transfers.UploadAsync(
            Callers.Alice, third.Id, new MemoryStream(RandomNumberGenerator.GetBytes(Size)), Size, CancellationToken.None);
        Assert.Equal(ImageStatus.Active, uploaded.Status);
    }

    [Fact]
    public async Task UsageKeepsCountingPendingDeleteBytesUntilTheScrubberRemovesThem()
    {
        var (image, _) = await UploadedAsync(Callers.Alice, "billed");
        await Service.DeleteAsync(Callers.Alice, image.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(10));

        var pending = await _harness.Usage.GetAsync(Callers.Alice);
        Assert.Equal(Size, pending.CurrentBytes);
        Assert.Equal(Size, pending.PendingDeleteBytes);

        _harness.Clock.Advance(TimeSpan.FromHours(14));
        await Service.ScrubExpiredAsync();
        var scrubbedAt = Now;
        _harness.Clock.Advance(TimeSpan.FromHours(24));

        var after = await _harness.Usage.GetAsync(Callers.Alice);
        Assert.Equal(0, after.CurrentBytes);
        Assert.Equal(0, after.PendingDeleteBytes);

        // Billed from activation to the scrub, not a moment longer.
        var row = await RowAsync(image.Id);
        Assert.Equal(scrubbedAt, row.DeletedAt);
        var expectedGbHours = Size / 1_000_000_000m * (decimal)(scrubbedAt - row.ActivatedAt!.Value).TotalHours;
        Assert.Equal(Math.Round(expectedGbHours, 6), Math.Round(after.MonthGbHours, 6));
    }

    [Fact]
    public async Task StartupReconciliationLeavesTheDataOfRecentlyDeletedImagesAlone()
    {
        var (image, bytes) = await UploadedAsync(Callers.Alice, "kept-over-restart");
        await Service.DeleteAsync(Callers.Alice, image.Id);

        await using (var db = _harness.Database.CreateDbContext())
        {
            var result = await InterruptedTransfers.RecoverAsync(db, _harness.Store, _harness.Imports, Now, CancellationToken.None, _harness.Get<TransferLedger>());
            Assert.Equal(0, result.PartialFilesRemoved);
            Assert.Equal(0, result.DataMissing);
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(FileOf(image.Id)));
        var row = await RowAsync(image.Id);
        Assert.Equal(ImageStatus.PendingDelete, row.Status);
        Assert.Equal(ImageIntegrity.Intact, row.Integrity);
    }

    [Fact]
    public async Task TheScrubberWorkerRunsAtStartAndThenEveryInterval()
    {
        var time = new FakeTimeProvider(_harness.Clock.GetUtcNow());
        var options = Options.Create(new PortalOptions { Images = { ScrubIntervalMinutes = 15 } });
        var leases = new Portal.Coordination.JobLeases(_harness.Database, new Portal.Coordination.PortalInstance(), time, options);
        using var worker = new RecentlyDeletedScrubber(Service, leases, time, options, NullLogger<RecentlyDeletedScrubber>.Instance);
        var (first, _) = await UploadedAsync(Callers.Alice, "first-round");
        await Service.DeleteAsync(Callers.Alice, first.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(25));

        await worker.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(async () => (await RowAsync(first.Id)).Status == ImageStatus.Deleted);

        var (second, _) = await UploadedAsync(Callers.Alice, "next-round");
        await Service.DeleteAsync(Callers.Alice, second.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(ImageStatus.PendingDelete, (await RowAsync(second.Id)).Status);

        // The worker may still be finishing its first round (its wait for the next one not yet begun): each look moves
        // its clock by an interval again, so the round that follows the wait is the one that removes the image.
        await Eventually.TrueAsync(async () =>
        {
            time.Advance(TimeSpan.FromMinutes(15));
            return (await RowAsync(second.Id)).Status == ImageStatus.Deleted;
        });
        Assert.False(File.Exists(FileOf(second.Id)));
        await worker.StopAsync(CancellationToken.None);
    }
}
