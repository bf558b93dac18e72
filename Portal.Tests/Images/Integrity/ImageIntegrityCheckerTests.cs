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

/// <summary>
/// Re-hashing stored data over the real disk store and SQLite: the rot is made by hand (a byte flipped in the stored
/// file, a file removed or cut short) and the check must catch it, record it and stop the data being served.
/// The operator verifies one image he can see (the public catalog, his own); customers' private images, which he
/// does not see, are checked by "verify all" and by the background job.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageIntegrityCheckerTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private ImageIntegrityChecker Checker => _harness.Get<ImageIntegrityChecker>();

    private DateTime Now => _harness.Clock.GetUtcNow().UtcDateTime;

    private string FileOf(Guid id) => Path.Combine(_harness.Database.ImagesFolder, id.ToString("D"));

    private async Task<Image> StoredAsync(Guid id)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    [Fact]
    public async Task AFlippedByteIsCaughtAsChecksumMismatchAndTheDownloadIsThenRefused()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "rotting", Now, ImageVisibility.Public);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 70_000);
        _harness.Clock.Advance(TimeSpan.FromHours(1));

        var checkedImage = await Checker.CheckAsync(Callers.Operator, image.Id);

        var stored = await StoredAsync(image.Id);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, checkedImage.Integrity);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, stored.Integrity);
        Assert.Equal(Now, stored.IntegrityCheckedAt);
        Assert.Equal(image.Version, stored.Version);
        Assert.Equal(image.UpdatedAt, stored.UpdatedAt);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal("checksum_mismatch", stored.Integrity.ToApiName());
        var refused = await Assert.ThrowsAsync<ImageRuleException>(() => _harness.Transfers.OpenDownloadAsync(Callers.Alice, image.Id));
        Assert.Equal(ImagePolicy.IntegrityRefusal(ImageIntegrity.ChecksumMismatch), refused.Message);
        await Assert.ThrowsAsync<ImageRuleException>(() => _harness.Transfers.OpenDownloadAsync(Callers.Operator, image.Id));
    }

    [Fact]
    public async Task AnIntactImageStaysIntactWithANewCheckTime()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "whole", Now, ImageVisibility.Public);
        _harness.Clock.Advance(TimeSpan.FromHours(5));

        await Checker.CheckAsync(Callers.Operator, image.Id);

        var stored = await StoredAsync(image.Id);
        Assert.Equal(ImageIntegrity.Intact, stored.Integrity);
        Assert.Equal(Now, stored.IntegrityCheckedAt);
        Assert.NotEqual(image.IntegrityCheckedAt, stored.IntegrityCheckedAt);
        var download = await _harness.Transfers.OpenDownloadAsync(Callers.Alice, image.Id);
        await download.Data.DisposeAsync();
    }

    [Fact]
    public async Task AMissingFileIsFlaggedDataMissingAndACutShortOneWrongSize()
    {
        var gone = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "gone", Now);
        var cut = await IntegrityTestImages.AddAsync(_harness, Callers.Bob, "cut", Now);
        File.Delete(FileOf(gone.Id));
        using (var file = File.OpenWrite(FileOf(cut.Id)))
        {
            file.SetLength(1000);
        }

        var summary = await Checker.CheckAllAsync(Callers.Operator);

        Assert.Equal(ImageIntegrity.DataMissing, (await StoredAsync(gone.Id)).Integrity);
        Assert.Equal(ImageIntegrity.WrongSize, (await StoredAsync(cut.Id)).Integrity);
        Assert.Equal(new IntegrityCheckSummary(Intact: 0, DataMissing: 1, WrongSize: 1, ChecksumMismatch: 0), summary);
    }

    [Fact]
    public async Task VerifyAllReachesCustomersPrivateImagesAndLeavesIntactOnesIntact()
    {
        var rotten = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "alice's", Now);
        var whole = await IntegrityTestImages.AddAsync(_harness, Callers.Bob, "bob's", Now);
        IntegrityTestImages.FlipByte(FileOf(rotten.Id), at: IntegrityTestImages.Size - 1);
        _harness.Clock.Advance(TimeSpan.FromMinutes(3));

        var summary = await Checker.CheckAllAsync(Callers.Operator);

        Assert.Equal(new IntegrityCheckSummary(Intact: 1, DataMissing: 0, WrongSize: 0, ChecksumMismatch: 1), summary);
        Assert.Equal(ImageIntegrity.ChecksumMismatch, (await StoredAsync(rotten.Id)).Integrity);
        Assert.Equal(Now, (await StoredAsync(whole.Id)).IntegrityCheckedAt);
        await Assert.ThrowsAsync<ImageRuleException>(() => _harness.Transfers.OpenDownloadAsync(Callers.Alice, rotten.Id));
    }

    [Fact]
    public async Task ACustomerCannotStartACheck()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Alice, "mine", Now);
        var catalog = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "catalog", Now, ImageVisibility.Public);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 10);
        IntegrityTestImages.FlipByte(FileOf(catalog.Id), at: 10);

        var own = await Assert.ThrowsAnyAsync<RefusedException>(() => Checker.CheckAsync(Callers.Alice, image.Id));
        var shared = await Assert.ThrowsAnyAsync<RefusedException>(() => Checker.CheckAsync(Callers.Alice, catalog.Id));
        var all = await Assert.ThrowsAnyAsync<RefusedException>(() => Checker.CheckAllAsync(Callers.Alice));
        var other = await Assert.ThrowsAnyAsync<RefusedException>(() => Checker.CheckAsync(Callers.Bob, image.Id));

        Assert.Equal(ImagePolicy.OnlyOperatorVerifies, own.Message);
        Assert.Equal(ImagePolicy.OnlyOperatorVerifies, shared.Message);
        Assert.Equal(RefusalCode.NotAllowed, all.Code);
        Assert.Equal(RefusalCode.NotFound, other.Code);
        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(image.Id)).Integrity);
        Assert.Equal(ImageIntegrity.Intact, (await StoredAsync(catalog.Id)).Integrity);
        Assert.False(catalog.DecideIntegrityCheck(Callers.Alice).Allowed);
        Assert.True(catalog.DecideIntegrityCheck(Callers.Operator).Allowed);
    }

    [Fact]
    public async Task ACheckTellsOpenPages()
    {
        var image = await IntegrityTestImages.AddAsync(_harness, Callers.Operator, "watched", Now, ImageVisibility.Public);
        IntegrityTestImages.FlipByte(FileOf(image.Id), at: 5);
        var heard = new TaskCompletionSource<ImageChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = _harness.Events.Subscribe(Callers.Alice, change =>
        {
            heard.TrySetResult(change);
            return Task.CompletedTask;
        });

        await Checker.CheckAsync(Callers.Operator, image.Id);

        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ImageIntegrity.ChecksumMismatch, change.Image.Integrity);
    }
}
