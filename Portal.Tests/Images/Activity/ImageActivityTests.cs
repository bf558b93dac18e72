using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.Catalog;
using Portal.Images.Import;
using Portal.Images.Integrity;
using Portal.Images.Transfer;
using Portal.Rules;
using Portal.Tests.Images.Import;
using Portal.Tests.Images.Integrity;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Activity;

/// <summary>
/// Every action goes through the real service or transfer path over SQLite and the disk store, on a fake clock; the
/// test then reads the image's log as the details page does.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageActivityTests : IClassFixture<LoopbackImageServer>, IDisposable
{
    private readonly LoopbackImageServer _server;
    private readonly ImageServiceHarness _harness;

    public ImageActivityTests(LoopbackImageServer server)
    {
        _server = server;
        _harness = new ImageServiceHarness(
            options =>
            {
                // 10 MB a customer, one upload at a time: small enough to provoke both refusals.
                options.Storage.DefaultQuotaGb = 0.01m;
                options.Images.MaxConcurrentUploadsPerAccount = 1;
            },
            new Dictionary<string, string?>
            {
                ["Portal:Import:AllowLoopback"] = "true",
                ["Portal:Import:AllowedPorts:0"] = server.Port.ToString(CultureInfo.InvariantCulture),
            });
    }

    public void Dispose() => _harness.Dispose();

    private ImageService Service => _harness.Service;

    private DateTime Now => _harness.Clock.GetUtcNow().UtcDateTime;

    private async Task<IReadOnlyList<ImageActivity>> LogAsync(Guid imageId, Caller? reader = null) =>
        (await Service.ActivityAsync(reader ?? Callers.Alice, imageId)).Entries;

    /// <summary>Everything recorded for the image, whoever may read it: for images nobody sees any more.</summary>
    private async Task<List<ImageActivity>> StoredLogAsync(Guid imageId)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.ImageActivities.AsNoTracking().Where(a => a.ImageId == imageId).OrderByDescending(a => a.Id).ToListAsync();
    }

    private Task<Image> CreateAsync(string name = "web", DiskFormat format = DiskFormat.Raw, Caller? caller = null) =>
        Service.CreateAsync(caller ?? Callers.Alice, new CreateImageRequest
        {
            Name = name, DiskFormat = format, Source = ImageSource.File, FileName = $"disk.{format.ToApiName()}", FileSize = 512,
        });

    private Task<Image> UploadAsync(Guid id, byte[] data, Caller? caller = null) =>
        _harness.Transfers.UploadAsync(caller ?? Callers.Alice, id, new MemoryStream(data), data.Length, CancellationToken.None);

    private static void AssertEntry(ImageActivity entry, ImageActivityKind kind, Caller? actor, DateTime at, string? detail = null)
    {
        Assert.Equal(kind, entry.Kind);
        Assert.Equal(actor?.Email, entry.Actor);
        Assert.Equal(actor?.UserId, entry.ActorUserId);
        Assert.Equal(at, entry.At);
        Assert.Equal(detail, entry.Detail);
    }

    [Fact]
    public async Task CreatingAnImageRecordsCreatedByItsCreator()
    {
        var image = await CreateAsync();

        AssertEntry(Assert.Single(await LogAsync(image.Id)), ImageActivityKind.Created, Callers.Alice, Now);
    }

    [Fact]
    public async Task CreatingFromAUrlRecordsTheImportStartAboveTheCreation()
    {
        var url = _server.Url("/file");

        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "from-url", Source = ImageSource.Url, ImageUrl = url, DiskFormat = DiskFormat.Raw,
        });

        var log = await LogAsync(image.Id);
        Assert.Equal([ImageActivityKind.ImportStarted, ImageActivityKind.Created], log.Select(e => e.Kind));
        AssertEntry(log[0], ImageActivityKind.ImportStarted, Callers.Alice, Now, url);
    }

    [Fact]
    public async Task AnUploadRecordsItsStartAndItsEndByTheUploader()
    {
        var image = await CreateAsync();
        _harness.Clock.Advance(TimeSpan.FromMinutes(2));

        await UploadAsync(image.Id, new byte[4096]);

        var log = await LogAsync(image.Id);
        Assert.Equal([ImageActivityKind.UploadFinished, ImageActivityKind.UploadStarted, ImageActivityKind.Created], log.Select(e => e.Kind));
        AssertEntry(log[1], ImageActivityKind.UploadStarted, Callers.Alice, Now);
        AssertEntry(log[0], ImageActivityKind.UploadFinished, Callers.Alice, Now, "4.1 kB, raw");
    }

    [Fact]
    public async Task DataTheInspectorRefusesIsRecordedAsUploadRefusedWithItsReason()
    {
        var image = await CreateAsync(format: DiskFormat.Raw);
        var qcow2 = SparseQcow2.Create(1L << 30, "not raw at all", 1);

        var refused = await Assert.ThrowsAsync<ImageTransferRefusedException>(() => UploadAsync(image.Id, qcow2));

        var log = await LogAsync(image.Id);
        Assert.Equal([ImageActivityKind.UploadRefused, ImageActivityKind.UploadStarted, ImageActivityKind.Created], log.Select(e => e.Kind));
        AssertEntry(log[0], ImageActivityKind.UploadRefused, Callers.Alice, Now, refused.Message);
        Assert.Contains("qcow2", refused.Message);
        Assert.Equal("Upload refused: " + refused.Message, log[0].Describe());
    }

    [Fact]
    public async Task AnUploadOverTheQuotaIsRecordedAsUploadRefusedWithTheQuotasReason()
    {
        var image = await CreateAsync();

        var refused = await Assert.ThrowsAsync<ImageTransferRefusedException>(() => UploadAsync(image.Id, new byte[10_000_001]));

        var entry = (await LogAsync(image.Id))[0];
        AssertEntry(entry, ImageActivityKind.UploadRefused, Callers.Alice, Now, refused.Message);
        Assert.Equal("This upload would take your private images to 10 MB; your quota is 10 MB.", entry.Detail);
    }

    [Fact]
    public async Task OneUploadTooManyIsRecordedAsRefusedAndTheImageStaysQueued()
    {
        var image = await CreateAsync();
        await _harness.Get<TransferLedger>().BeginAsync(Guid.NewGuid(), Callers.AliceAccount, TransferKind.Upload, null, null, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => UploadAsync(image.Id, new byte[512]));

        var log = await LogAsync(image.Id);
        Assert.Equal([ImageActivityKind.UploadRefused, ImageActivityKind.Created], log.Select(e => e.Kind));
        AssertEntry(log[0], ImageActivityKind.UploadRefused, Callers.Alice, Now, "You already have 1 upload running; wait for one to finish.");
        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal(ImageStatus.Queued, (await Service.GetAsync(Callers.Alice, image.Id)).Status);
    }

    [Fact]
    public async Task AnUploadToAnActiveImageIsRecordedAsRefused()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "done");

        await Assert.ThrowsAsync<ImageRuleException>(() => UploadAsync(image.Id, new byte[512]));

        AssertEntry(Assert.Single(await LogAsync(image.Id)), ImageActivityKind.UploadRefused, Callers.Alice, Now, ImagePolicy.ActiveDataIsReadOnly);
    }

    [Fact]
    public async Task NobodyWritesIntoTheLogOfAnImageTheyCannotReadItFor()
    {
        var alices = await CreateAsync();
        var catalog = await CreateAsync("catalog", caller: Callers.Operator);
        await UploadAsync(catalog.Id, new byte[512], Callers.Operator);
        var before = (await StoredLogAsync(catalog.Id)).Count;

        await Assert.ThrowsAsync<ImageNotFoundException>(() => UploadAsync(alices.Id, new byte[512], Callers.Bob));

        Assert.Single(await StoredLogAsync(alices.Id));
        Assert.Equal(before, (await StoredLogAsync(catalog.Id)).Count);
    }

    [Fact]
    public async Task AnImportRecordsItsEndByThePortal()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "imported", Source = ImageSource.Url, ImageUrl = _server.Url("/file"), DiskFormat = DiskFormat.Raw,
        });
        _harness.Clock.Advance(TimeSpan.FromMinutes(1));

        await _harness.Transfers.ImportAsync(image.Id, _harness.Get<UrlDownloader>(), CancellationToken.None);

        var log = await LogAsync(image.Id);
        Assert.Equal([ImageActivityKind.ImportFinished, ImageActivityKind.ImportStarted, ImageActivityKind.Created], log.Select(e => e.Kind));
        AssertEntry(log[0], ImageActivityKind.ImportFinished, actor: null, Now, "65.5 kB, raw");
        Assert.Equal("the portal", log[0].ActorSeenBy(Callers.Alice));
    }

    [Fact]
    public async Task AFailedImportIsRecordedWithTheReasonByThePortal()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "missing", Source = ImageSource.Url, ImageUrl = _server.Url("/status/404"), DiskFormat = DiskFormat.Raw,
        });

        await Assert.ThrowsAsync<ImportFailedException>(() => _harness.Transfers.ImportAsync(image.Id, _harness.Get<UrlDownloader>(), CancellationToken.None));

        var stored = await Service.GetAsync(Callers.Alice, image.Id);
        var entry = (await LogAsync(image.Id))[0];
        Assert.Equal(ImageStatus.Killed, stored.Status);
        AssertEntry(entry, ImageActivityKind.ImportFailed, actor: null, Now, stored.StatusReason);
        Assert.StartsWith("Import failed: ", entry.Describe());
    }

    [Fact]
    public async Task CancellingARunningImportRecordsWhoCancelledIt()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "stalled", Source = ImageSource.Url, ImageUrl = _server.Url("/stall"), DiskFormat = DiskFormat.Raw,
        });
        var import = _harness.Transfers.ImportAsync(image.Id, _harness.Get<UrlDownloader>(), CancellationToken.None);
        await Eventually.TrueAsync(() => _harness.ActiveTransfers.IsRunning(image.Id));

        await Service.CancelImportAsync(Callers.AliceColleague, image.Id);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => import);

        AssertEntry((await LogAsync(image.Id))[0], ImageActivityKind.ImportCancelled, Callers.AliceColleague, Now);
    }

    [Fact]
    public async Task CancellingAnImportStillInLineRecordsWhoCancelledIt()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "waiting", Source = ImageSource.Url, ImageUrl = _server.Url("/file"), DiskFormat = DiskFormat.Raw,
        });

        await Service.CancelImportAsync(Callers.Alice, image.Id);

        AssertEntry((await LogAsync(image.Id))[0], ImageActivityKind.ImportCancelled, Callers.Alice, Now);
    }

    [Fact]
    public async Task ProtectAndUnprotectAreRecordedWithWhoDidIt()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "golden");

        await Service.SetProtectedAsync(Callers.Alice, image.Id, true);
        _harness.Clock.Advance(TimeSpan.FromMinutes(5));
        await Service.SetProtectedAsync(Callers.AliceColleague, image.Id, false);

        var log = await LogAsync(image.Id);
        Assert.Equal(2, log.Count);
        AssertEntry(log[0], ImageActivityKind.Unprotected, Callers.AliceColleague, Now);
        AssertEntry(log[1], ImageActivityKind.Protected, Callers.Alice, Now - TimeSpan.FromMinutes(5));
        Assert.Equal("carol@test.local", log[0].ActorSeenBy(Callers.Alice));
        Assert.Equal("you", log[1].ActorSeenBy(Callers.Alice));
    }

    [Fact]
    public async Task AnEditListsTheFieldsItChanged()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "old");
        var edit = UpdateImageRequest.From(image);
        edit.Name = "new";
        edit.Description = "Now with a description";

        await Service.UpdateAsync(Callers.Alice, image.Id, edit, image.Version);

        var entry = Assert.Single(await LogAsync(image.Id));
        AssertEntry(entry, ImageActivityKind.Edited, Callers.Alice, Now, "name, description");
        Assert.Equal("Edited: name, description", entry.Describe());
    }

    [Fact]
    public async Task AnApiPatchRecordsTheFieldsAndTheProtectionItChanged()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "patched");

        await Service.EditAsync(Callers.Alice, image.Id, new ImageEdit(
            IsProtected: true, Tags: ["web"], Properties: new Dictionary<string, string?> { ["hw_rescue_device"] = "disk" }), image.Version);
        await Service.AddTagAsync(Callers.Alice, image.Id, "prod");

        var log = await LogAsync(image.Id);
        Assert.Equal(
            [(ImageActivityKind.Edited, "tags (prod)"), (ImageActivityKind.Protected, null), (ImageActivityKind.Edited, "tags (web), properties (hw_rescue_device)")],
            log.Select(e => (e.Kind, e.Detail)));
    }

    [Fact]
    public async Task AStaleOrEmptyEditRecordsNothing()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "same");
        var unchanged = UpdateImageRequest.From(image);
        await Service.UpdateAsync(Callers.Alice, image.Id, unchanged, image.Version);

        await Assert.ThrowsAsync<ImageConflictException>(() =>
            Service.UpdateAsync(Callers.Alice, image.Id, UpdateImageRequest.From(image), image.Version));

        Assert.Empty(await LogAsync(image.Id));
    }

    [Fact]
    public async Task DeactivateAndReactivateShowTheOperatorAsThePlatformOperatorToCustomers()
    {
        var image = await _harness.AddImageAsync(Callers.Operator, "catalog", ImageVisibility.Public);

        await Service.DeactivateAsync(Callers.Operator, image.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(1));
        await Service.ReactivateAsync(Callers.Operator, image.Id);

        var log = await LogAsync(image.Id, Callers.Operator);
        AssertEntry(log[0], ImageActivityKind.Reactivated, Callers.Operator, Now);
        AssertEntry(log[1], ImageActivityKind.Deactivated, Callers.Operator, Now - TimeSpan.FromHours(1));
        Assert.True(log[0].ActorIsOperator);
        Assert.Equal("you", log[0].ActorSeenBy(Callers.Operator));
        Assert.Equal(ImagePolicy.OperatorSeenByCustomers, log[0].ActorSeenBy(Callers.Alice));
    }

    [Fact]
    public async Task DeleteIsRecordedAndTheLogOutlivesTheImage()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "doomed");
        await Service.SetProtectedAsync(Callers.Alice, image.Id, true);
        await Service.SetProtectedAsync(Callers.Alice, image.Id, false);

        await Service.DeleteAsync(Callers.Alice, image.Id);

        var log = await StoredLogAsync(image.Id);
        Assert.Equal([ImageActivityKind.Deleted, ImageActivityKind.Unprotected, ImageActivityKind.Protected], log.Select(e => e.Kind));
        AssertEntry(log[0], ImageActivityKind.Deleted, Callers.Alice, Now,
            $"moved to Recently deleted, restorable until {Portal.Formatting.Format.Timestamp(Now + _harness.Service.RestoreWindow)}");

        // Not even a hand-written DELETE of the image's row takes its history along: the database refuses it.
        await using var db = _harness.Database.CreateDbContext();
        await Assert.ThrowsAnyAsync<DbException>(() =>
            db.Database.ExecuteSqlInterpolatedAsync($"DELETE FROM \"Images\" WHERE \"Id\" = {image.Id}"));
        Assert.Equal(3, (await StoredLogAsync(image.Id)).Count);
    }

    [Fact]
    public async Task RestoreDeletePermanentlyAndTheScrubberAreRecordedWithWhoDidThem()
    {
        var kept = await _harness.AddImageAsync(Callers.Alice, "kept");
        var expired = await _harness.AddImageAsync(Callers.Alice, "expired");
        await Service.DeleteAsync(Callers.Alice, kept.Id);
        await Service.DeleteAsync(Callers.Alice, expired.Id);

        _harness.Clock.Advance(TimeSpan.FromHours(1));
        await Service.RestoreAsync(Callers.Alice, kept.Id);
        await Service.DeleteAsync(Callers.Alice, kept.Id);
        _harness.Clock.Advance(TimeSpan.FromHours(1));
        await Service.DeletePermanentlyAsync(Callers.AliceColleague, kept.Id);
        _harness.Clock.Advance(Service.RestoreWindow);
        Assert.Equal(1, await Service.ScrubExpiredAsync());

        var keptLog = await StoredLogAsync(kept.Id);
        Assert.Equal(
            [ImageActivityKind.DeletedPermanently, ImageActivityKind.Deleted, ImageActivityKind.Restored, ImageActivityKind.Deleted],
            keptLog.Select(e => e.Kind));
        AssertEntry(keptLog[0], ImageActivityKind.DeletedPermanently, Callers.AliceColleague, Now - Service.RestoreWindow);
        AssertEntry(keptLog[2], ImageActivityKind.Restored, Callers.Alice, Now - Service.RestoreWindow - TimeSpan.FromHours(1), "active again, with its data");

        var expiredLog = await StoredLogAsync(expired.Id);
        Assert.Equal([ImageActivityKind.Scrubbed, ImageActivityKind.Deleted], expiredLog.Select(e => e.Kind));
        AssertEntry(expiredLog[0], ImageActivityKind.Scrubbed, actor: null, Now);
        Assert.Equal("the portal", expiredLog[0].ActorSeenBy(Callers.Alice));
    }

    [Fact]
    public async Task EntriesCanBeNeitherChangedNorRemovedThroughEfOrSql()
    {
        var image = await CreateAsync();
        var id = (await StoredLogAsync(image.Id)).Single().Id;

        await using (var db = _harness.Database.CreateDbContext())
        {
            db.ImageActivities.Remove(await db.ImageActivities.SingleAsync(a => a.Id == id));
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        }

        await using (var db = _harness.Database.CreateDbContext())
        {
            var entry = await db.ImageActivities.SingleAsync(a => a.Id == id);
            db.Entry(entry).Property(a => a.Detail).CurrentValue = "rewritten";
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
            // Quoted names: the same statement for SQLite and PostgreSQL, refused by each one's triggers.
            var update = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlInterpolatedAsync($"UPDATE \"ImageActivities\" SET \"Detail\" = 'rewritten' WHERE \"Id\" = {id}"));
            Assert.Contains("Image activity is never changed.", update.Message);
            var delete = await Assert.ThrowsAnyAsync<DbException>(() =>
                db.Database.ExecuteSqlInterpolatedAsync($"DELETE FROM \"ImageActivities\" WHERE \"Id\" = {id}"));
            Assert.Contains("Image activity is never removed.", delete.Message);
        }

        AssertEntry(Assert.Single(await StoredLogAsync(image.Id)), ImageActivityKind.Created, Callers.Alice, Now);
    }

    [Fact]
    public async Task ARefusedDeleteRecordsNothing()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "kept", isProtected: true);

        await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeleteAsync(Callers.Alice, image.Id));

        Assert.Empty(await LogAsync(image.Id));
    }

    [Fact]
    public async Task TheIntegrityJobRecordsAFindingByThePortalAndOnlyWhenItChanges()
    {
        var rotting = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "rotting", Now);
        var whole = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "whole", Now);
        IntegrityTestImages.FlipByte(Path.Combine(_harness.Database.ImagesFolder, rotting.Id.ToString("D")), at: 1000);
        _harness.Clock.Advance(TimeSpan.FromDays(1));
        var checker = _harness.Get<ImageIntegrityChecker>();

        await checker.CheckDueAsync(Now, CancellationToken.None);
        var found = Now;
        _harness.Clock.Advance(TimeSpan.FromDays(1));
        await checker.CheckDueAsync(Now, CancellationToken.None);

        var entry = Assert.Single(await LogAsync(rotting.Id));
        AssertEntry(entry, ImageActivityKind.IntegrityChecked, actor: null, found, "checksum mismatch");
        Assert.Equal("Integrity check: checksum mismatch", entry.Describe());
        Assert.True(entry.IsWarning());
        Assert.Empty(await LogAsync(whole.Id));
    }

    [Fact]
    public async Task VerifyDataRecordsTheOperatorsCheckEvenWhenTheImageIsIntact()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "catalog", Now, ImageVisibility.Public);
        _harness.Clock.Advance(TimeSpan.FromHours(3));

        await _harness.Get<ImageIntegrityChecker>().CheckAsync(Callers.Operator, image.Id);

        var entry = Assert.Single(await LogAsync(image.Id, Callers.Operator));
        AssertEntry(entry, ImageActivityKind.IntegrityChecked, Callers.Operator, Now, "intact");
        Assert.Equal("Integrity check: intact", entry.Describe());
        Assert.False(entry.IsWarning());
    }

    [Fact]
    public async Task StartUpRecordsTheAbandonedUploadTheRestartedImportAndAMissingFileByThePortal()
    {
        var saving = await CreateAsync("saving");
        await using (var db = _harness.Database.CreateDbContext())
        {
            var image = await db.Images.SingleAsync(i => i.Id == saving.Id);
            image.BeginTransfer(Callers.Alice, ImageStatus.Saving, Now);
            await db.SaveChangesAsync();
        }

        var importing = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "importing", Source = ImageSource.Url, ImageUrl = _server.Url("/file"), DiskFormat = DiskFormat.Raw,
        });

        // The import worker had taken the import from the line when the portal stopped.
        Assert.Equal(importing.Id, (await _harness.Imports.TryTakeAsync(CancellationToken.None))?.ImageId);
        var gone = await _harness.AddImageAsync(Callers.Alice, "gone");
        File.Delete(Path.Combine(_harness.Database.ImagesFolder, gone.Id.ToString("D")));
        _harness.Clock.Advance(TimeSpan.FromMinutes(10));

        await StartAsync();

        AssertEntry((await LogAsync(saving.Id))[0], ImageActivityKind.UploadFailed, actor: null, Now, InterruptedTransfers.Reason);
        AssertEntry((await LogAsync(importing.Id))[0], ImageActivityKind.ImportRestarted, actor: null, Now);
        AssertEntry((await LogAsync(gone.Id))[0], ImageActivityKind.IntegrityChecked, actor: null, Now, "data missing");
    }

    [Fact]
    public async Task StartUpRecordsDataThatCameBackAsToBeReHashed()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "returned");
        var file = Path.Combine(_harness.Database.ImagesFolder, image.Id.ToString("D"));
        File.Move(file, file + ".away");
        await StartAsync();
        File.Move(file + ".away", file);
        _harness.Clock.Advance(TimeSpan.FromHours(1));

        await StartAsync();

        var log = await LogAsync(image.Id);
        Assert.Equal(["the data is back at its recorded size and will be re-hashed", "data missing"], log.Select(e => e.Detail));
        Assert.Equal([false, true], log.Select(e => e.IsWarning()));
        AssertEntry(log[0], ImageActivityKind.IntegrityChecked, actor: null, Now, log[0].Detail);
    }

    private async Task StartAsync()
    {
        await using var db = _harness.Database.CreateDbContext();
        await InterruptedTransfers.RecoverAsync(db, _harness.Store, _harness.Imports, Now, CancellationToken.None, _harness.Get<TransferLedger>());
    }

    [Fact]
    public async Task TheLogIsNewestFirstAndOlderEntriesFollowPageByPage()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "busy");
        for (var i = 0; i < 5; i++)
        {
            await Service.SetProtectedAsync(Callers.Alice, image.Id, i % 2 == 0);
            if (i != 2)
            {
                // Two entries at one instant are still told apart by the order they were written in.
                _harness.Clock.Advance(TimeSpan.FromMinutes(1));
            }
        }

        var first = await Service.ActivityAsync(Callers.Alice, image.Id, limit: 2);
        var second = await Service.ActivityAsync(Callers.Alice, image.Id, limit: 2, olderThan: first.Entries[^1]);
        var last = await Service.ActivityAsync(Callers.Alice, image.Id, limit: 2, olderThan: second.Entries[^1]);

        var all = first.Entries.Concat(second.Entries).Concat(last.Entries).ToList();
        Assert.Equal(
            [ImageActivityKind.Protected, ImageActivityKind.Unprotected, ImageActivityKind.Protected, ImageActivityKind.Unprotected, ImageActivityKind.Protected],
            all.Select(e => e.Kind));
        Assert.Equal(all.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(e => e.Id), all.Select(e => e.Id));
        Assert.True(first.More);
        Assert.True(second.More);
        Assert.False(last.More);
        Assert.Single(last.Entries);
    }

    [Fact]
    public async Task OwnersAndTheOperatorReadTheLogButCustomersNotACatalogImagesNorAnotherAccounts()
    {
        var catalog = await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        var alices = await CreateAsync();

        Assert.Empty(await LogAsync(catalog.Id, Callers.Operator));
        Assert.Single(await LogAsync(alices.Id, Callers.AliceColleague));
        var refused = await Assert.ThrowsAsync<RefusedException>(() => Service.ActivityAsync(Callers.Alice, catalog.Id));
        Assert.Equal(RefusalCode.NotAllowed, refused.Code);
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.ActivityAsync(Callers.Bob, alices.Id));
        Assert.False(catalog.DecideActivity(Callers.Alice).Allowed);
    }
}
