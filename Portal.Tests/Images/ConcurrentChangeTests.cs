using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Usage;
using Portal.Rules;
using Portal.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Tests.Images;

/// <summary>
/// Two people (or a person and the operator) do conflicting things to one image at the same instant, many times over,
/// against the real service, a SQLite file database in WAL mode (as the portal runs it) and the real disk store. Every
/// round must end with exactly one winner, a sentence for the loser, and nothing lost.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ConcurrentChangeTests : IDisposable
{
    private const int Rounds = 20;

    private readonly ImageServiceHarness _harness = new();
    private readonly ITestOutputHelper _output;

    public ConcurrentChangeTests(ITestOutputHelper output)
    {
        _output = output;
        using var db = _harness.Database.CreateDbContext();
        if (db.Database.IsSqlite())
        {
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }
    }

    public void Dispose() => _harness.Dispose();

    private ImageService Service => _harness.Service;

    /// <summary>
    /// Deleted, or on its way there: a deletion may keep the data for a while (<c>pending_delete</c>), but such an image
    /// is out of use all the same.
    /// </summary>
    private static bool IsGone(Image image) => image.Status is ImageStatus.Deleted or ImageStatus.PendingDelete;

    /// <summary>The row as stored, whatever its status and whoever may see it.</summary>
    private async Task<Image> RowAsync(Guid id)
    {
        await using var db = _harness.Database.CreateDbContext();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    /// <summary>Every file the store holds for the image, under its own name or still being written.</summary>
    private IReadOnlyList<string> FilesOf(Guid id) =>
        Directory.EnumerateFiles(_harness.Database.ImagesFolder, id.ToString("D") + "*", SearchOption.AllDirectories).ToList();

    private IReadOnlyList<string> IncomingFiles() =>
        Directory.EnumerateFiles(Path.Combine(_harness.Database.ImagesFolder, LocalDiskImageStore.IncomingFolderName)).ToList();

    /// <summary>
    /// The quota ledger counts exactly the bytes the database says the account stores: a probe that stays open (so the
    /// ledger never reloads from the database) may claim all of the rest of the quota, and not one byte more.
    /// </summary>
    private async Task AssertLedgerAgreesWithDatabaseAsync(StorageQuota.Reservation probe, Guid account, string round)
    {
        var quota = await _harness.Quota.QuotaOfAsync(account, CancellationToken.None) ?? throw new InvalidOperationException("no quota");
        var stored = await _harness.Quota.StoredBytesAsync(account, CancellationToken.None);
        var room = quota - stored;
        var refusal = Record.Exception(() => probe.Claim(room + 1));
        Assert.True(refusal is not null, $"{round}: the quota ledger counts fewer bytes than the {stored} stored (released twice?)");
        var claimed = Record.Exception(() => probe.Claim(room));
        Assert.True(claimed is null, $"{round}: the quota ledger counts more bytes than the {stored} stored");
        probe.Claim(0);
    }

    private void Tally(string race, IEnumerable<string> winners) =>
        _output.WriteLine($"{race}: " + string.Join(", ", winners.GroupBy(w => w).Select(g => $"{g.Key} won {g.Count()}×")));

    [Fact]
    public async Task ProtectAgainstDeleteNeverLeavesADeletedProtectedImage()
    {
        var winners = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var image = await _harness.AddImageAsync(Callers.Alice, $"protect-or-delete-{round}");

            var (protect, delete) = await Race.RunAsync(
                () => Service.SetProtectedAsync(Callers.Alice, image.Id, true),
                Race.Done(() => Service.DeleteAsync(Callers.AliceColleague, image.Id)));

            var stored = await RowAsync(image.Id);
            var at = $"round {round}: protect {protect}, delete {delete}, stored {stored.Status.ToApiName()} protected={stored.IsProtected}";
            Assert.True(protect.Won != delete.Won, at);
            Assert.False(IsGone(stored) && stored.IsProtected, at);
            Assert.True(stored.HasData == await _harness.Store.ExistsAsync(image.Id, CancellationToken.None), at);
            if (delete.Won)
            {
                Assert.True(IsGone(stored), at);
                Assert.True(protect.Refusal!.Code is RefusalCode.NotFound or RefusalCode.InvalidState, at);
            }
            else
            {
                Assert.True(stored.IsProtected && stored.Status == ImageStatus.Active, at);
                Assert.Equal(RefusalCode.Protected, delete.Refusal!.Code);
                Assert.Equal(ImagePolicy.ProtectedCannotBeDeleted, delete.Refusal.Message);
            }

            winners.Add(protect.Won ? "protect" : "delete");
        }

        Tally("protect vs delete", winners);
    }

    [Fact]
    public async Task TwoDeletesOfOneImageSucceedOnceAndReleaseItsQuotaOnce()
    {
        var images = new List<Image>();
        for (var round = 0; round < Rounds; round++)
        {
            images.Add(await _harness.AddImageAsync(Callers.Alice, $"deleted-twice-{round}", size: 1_000_000 + round));
        }

        // Opened after the images exist and kept open: the ledger must follow the deletions on its own from here.
        using var probe = await _harness.Quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        for (var round = 0; round < Rounds; round++)
        {
            var image = images[round];

            var (first, second) = await Race.RunAsync(
                Race.Done(() => Service.DeleteAsync(Callers.Alice, image.Id)),
                Race.Done(() => Service.DeleteAsync(Callers.AliceColleague, image.Id)));

            var stored = await RowAsync(image.Id);
            var at = $"round {round}: first {first}, second {second}, stored {stored.Status.ToApiName()}";
            Assert.True(first.Won != second.Won, at);
            var loser = (first.Won ? second : first).Refusal!;
            Assert.True(loser.Code is RefusalCode.NotFound or RefusalCode.InvalidState, at);
            Assert.True(IsGone(stored), at);
            Assert.True(stored.HasData == await _harness.Store.ExistsAsync(image.Id, CancellationToken.None), at);
            await AssertLedgerAgreesWithDatabaseAsync(probe, Callers.AliceAccount, at);
        }
    }

    [Fact]
    public async Task TwoEditsFromTheSameVersionSaveOneWholeEditAndTellTheOther()
    {
        var winners = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var image = await _harness.AddImageAsync(Callers.Alice, $"edited-twice-{round}");
            var mine = new UpdateImageRequest
            {
                Name = $"mine-{round}", Description = "mine", OsDistro = "debian", OsVersion = "12", MinDiskGb = 10, MinRamMb = 512,
            };
            var theirs = new UpdateImageRequest
            {
                Name = $"theirs-{round}", Description = "theirs", OsDistro = "fedora", OsVersion = "40", MinDiskGb = 20, MinRamMb = 1024,
            };

            var (a, b) = await Race.RunAsync(
                () => Service.UpdateAsync(Callers.Alice, image.Id, mine, image.Version),
                () => Service.UpdateAsync(Callers.AliceColleague, image.Id, theirs, image.Version));

            var stored = await RowAsync(image.Id);
            var at = $"round {round}: mine {a}, theirs {b}, stored {stored.Name}";
            Assert.True(a.Won != b.Won, at);
            var loser = (a.Won ? b : a).Refusal!;
            Assert.Equal(RefusalCode.Stale, loser.Code);
            Assert.Equal(new ImageConflictException().Message, loser.Message);
            var winner = a.Won ? mine : theirs;
            Assert.Equal(
                (winner.Name, winner.Description, winner.OsDistro, winner.OsVersion, winner.MinDiskGb, winner.MinRamMb),
                (stored.Name, stored.Description, stored.OsDistro, stored.OsVersion, stored.MinDiskGb, stored.MinRamMb));
            Assert.Equal(image.Version + 1, stored.Version);
            winners.Add(a.Won ? "mine" : "theirs");
        }

        Tally("edit vs edit", winners);
    }

    [Fact]
    public async Task TwoUploadsToOneQueuedImageStoreOneWholeFileOnce()
    {
        using var probe = await _harness.Quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        var winners = new List<string>();
        for (var round = 0; round < 15; round++)
        {
            var image = await _harness.AddImageAsync(Callers.Alice, $"uploaded-twice-{round}", active: false, format: DiskFormat.Raw);
            var storedBefore = await _harness.Quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None);
            var mine = Content(seed: 2 * round, length: 256 << 10);
            var theirs = Content(seed: 2 * round + 1, length: (256 << 10) + 512);

            var (a, b) = await Race.RunAsync(
                () => _harness.Transfers.UploadAsync(Callers.Alice, image.Id, new MemoryStream(mine), mine.Length, CancellationToken.None),
                () => _harness.Transfers.UploadAsync(Callers.AliceColleague, image.Id, new MemoryStream(theirs), theirs.Length, CancellationToken.None));

            var stored = await RowAsync(image.Id);
            var at = $"round {round}: mine {a}, theirs {b}, stored {stored.Status.ToApiName()} {stored.StatusReason}";
            Assert.True(a.Won != b.Won, at);
            var loser = (a.Won ? b : a).Refusal!;
            Assert.Equal(RefusalCode.InvalidState, loser.Code);
            Assert.True(loser.Message is ImagePolicy.AlreadyReceivingUpload or ImagePolicy.ActiveDataIsReadOnly, at);
            var winner = a.Won ? mine : theirs;
            Assert.True(stored.Status == ImageStatus.Active, at);
            Assert.Equal(winner.Length, stored.Size);
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(winner)), stored.Checksum);
            Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(winner)), stored.OsHashValue);
            Assert.Equal([_harness.Store is LocalDiskImageStore disk ? disk.PathOf(image.Id) : ""], FilesOf(image.Id));
            var file = await File.ReadAllBytesAsync(FilesOf(image.Id)[0]);
            Assert.True(winner.SequenceEqual(file), at);
            Assert.Empty(IncomingFiles());
            Assert.Equal(storedBefore + winner.Length, await _harness.Quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None));
            await AssertLedgerAgreesWithDatabaseAsync(probe, Callers.AliceAccount, at);
            winners.Add(a.Won ? "mine" : "theirs");
        }

        Tally("upload vs upload", winners);
    }

    [Fact]
    public async Task ARenameAtTheStartOfAnUploadNeverRefusesTheUpload()
    {
        var renamed = 0;
        for (var round = 0; round < 15; round++)
        {
            var image = await _harness.AddImageAsync(Callers.Alice, $"renamed-while-uploading-{round}", active: false, format: DiskFormat.Raw);
            var content = Content(seed: round, length: 64 << 10);
            var rename = UpdateImageRequest.From(image);
            rename.Name = $"renamed-{round}";

            var (upload, edit) = await Race.RunAsync(
                () => _harness.Transfers.UploadAsync(Callers.Alice, image.Id, new MemoryStream(content), content.Length, CancellationToken.None),
                () => Service.UpdateAsync(Callers.AliceColleague, image.Id, rename, image.Version));

            var stored = await RowAsync(image.Id);
            var at = $"round {round}: upload {upload}, rename {edit}";
            Assert.True(upload.Won, at);
            Assert.True(stored.Status == ImageStatus.Active && stored.Size == content.Length, at);
            Assert.True(edit.Won || edit.Refusal!.Code == RefusalCode.Stale, at);
            Assert.Equal(edit.Won ? rename.Name : image.Name, stored.Name);
            renamed += edit.Won ? 1 : 0;
        }

        _output.WriteLine($"rename vs upload: the rename was saved {renamed}× of 15");
    }

    [Fact]
    public async Task TwoWritersOfOneImagesDataLeaveOneWholeFileAndNoPartialOne()
    {
        // Behind the database's gate, the store holds its own line: data once committed is never replaced.
        for (var round = 0; round < 20; round++)
        {
            var id = Guid.NewGuid();
            var mine = Content(seed: 2 * round, length: 128 << 10);
            var theirs = Content(seed: 2 * round + 1, length: 128 << 10);

            var (first, second) = await Race.RunAsync(() => WriteAsync(id, mine), () => WriteAsync(id, theirs));
            var (a, b) = (first.Value, second.Value);

            Assert.True(a != b, $"round {round}: both writers {(a ? "committed" : "failed")}");
            var file = await File.ReadAllBytesAsync(Assert.Single(FilesOf(id)));
            Assert.True((a ? mine : theirs).SequenceEqual(file), $"round {round}: the file is not the committed writer's");
            Assert.Empty(IncomingFiles());
        }
    }

    /// <summary>Writes and commits data for an image; false when the store refused the writer or its commit.</summary>
    private async Task<bool> WriteAsync(Guid id, byte[] content)
    {
        try
        {
            await using var writer = await _harness.Store.BeginWriteAsync(id, CancellationToken.None);
            for (var offset = 0; offset < content.Length; offset += 16 << 10)
            {
                await writer.WriteAsync(content.AsMemory(offset, Math.Min(16 << 10, content.Length - offset)), CancellationToken.None);
            }

            await writer.CommitAsync(CancellationToken.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeactivationLetsRunningDownloadsFinishAndRefusesNewOnes(bool publicImage)
    {
        // Customers stop seeing a public image when it is deactivated; a customer of the platform's own account still sees
        // its private images and is told why, in Glance's words.
        var owner = Callers.Operator;
        var customer = publicImage ? Callers.Bob : new Caller("dave-id", "dave@test.local", Callers.PlatformAccount, IsOperator: false);
        var refusal = publicImage
            ? new Refusal(RefusalCode.NotFound, new ImageNotFoundException(Guid.Empty).Message)
            : new Refusal(RefusalCode.NotAllowed, ImagePolicy.DeactivatedDownloadForbidden);
        var content = Content(seed: 7, length: 256 << 10);
        var image = await Service.CreateAsync(owner, new CreateImageRequest
        {
            Name = "taken-out-of-use", FileName = "disk.raw", FileSize = content.Length, DiskFormat = DiskFormat.Raw,
            Visibility = publicImage ? ImageVisibility.Public : ImageVisibility.Private,
        });
        await _harness.Transfers.UploadAsync(owner, image.Id, new MemoryStream(content), content.Length, CancellationToken.None);

        var served = 0;
        var refused = 0;
        for (var round = 0; round < 8; round++)
        {
            if ((await RowAsync(image.Id)).Status == ImageStatus.Deactivated)
            {
                await Service.ReactivateAsync(Callers.Operator, image.Id);
            }

            // Opened before the operator acts, read only after: a download under way always finishes.
            await using var running = (await _harness.Transfers.OpenDownloadAsync(customer, image.Id)).Data;

            // Each customer downloads again and again while the operator deactivates: every download is whole or
            // refused, and once one is refused no later one is served.
            var outcomes = await Race.RunAllAsync<IReadOnlyList<RaceOutcome<byte[]>>>(
                async () =>
                {
                    await Service.DeactivateAsync(Callers.Operator, image.Id);
                    return [];
                },
                () => DownloadUntilRefusedAsync(customer, image.Id),
                () => DownloadUntilRefusedAsync(customer, image.Id),
                () => DownloadUntilRefusedAsync(customer, image.Id));

            var at = $"round {round}: deactivate {outcomes[0]}";
            Assert.True(outcomes[0].Won, at);
            foreach (var downloads in outcomes.Skip(1).Select(o => o.Value!))
            {
                var seen = string.Join(", ", downloads.Select(d => d.Won ? "served" : d.Refusal!.Code.ToString()));
                Assert.All(downloads.SkipWhile(d => d.Won), d => Assert.Equal(refusal, d.Refusal?.Refusal));
                Assert.All(downloads.TakeWhile(d => d.Won), d => Assert.True(content.SequenceEqual(d.Value!), $"{at}: {seen}"));
                served += downloads.Count(d => d.Won);
                refused += downloads.Count(d => !d.Won);
            }

            var finished = await ReadAllAsync(running);
            Assert.True(content.SequenceEqual(finished), at);
            var late = await Assert.ThrowsAnyAsync<RefusedException>(() => _harness.Transfers.OpenDownloadAsync(customer, image.Id));
            Assert.Equal(refusal, late.Refusal);
            Assert.Equal(ImageStatus.Deactivated, (await RowAsync(image.Id)).Status);
        }

        _output.WriteLine($"downloads racing the deactivation: {served} served whole, {refused} refused");
    }

    /// <summary>Downloads over and over (a bounded number of times) until refused, and once more after the refusal.</summary>
    private async Task<IReadOnlyList<RaceOutcome<byte[]>>> DownloadUntilRefusedAsync(Caller caller, Guid id)
    {
        var outcomes = new List<RaceOutcome<byte[]>>();
        for (var attempt = 0; attempt < 100 && outcomes.Count(o => !o.Won) < 2; attempt++)
        {
            try
            {
                outcomes.Add(new RaceOutcome<byte[]>(await DownloadAsync(caller, id), null));
            }
            catch (RefusedException refusal)
            {
                outcomes.Add(new RaceOutcome<byte[]>(null, refusal));
            }
        }

        return outcomes;
    }

    private async Task<byte[]> DownloadAsync(Caller caller, Guid id)
    {
        var download = await _harness.Transfers.OpenDownloadAsync(caller, id);
        await using var data = download.Data;
        return await ReadAllAsync(data);
    }

    private static async Task<byte[]> ReadAllAsync(Stream data)
    {
        using var copy = new MemoryStream();
        await data.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Incompressible bytes that no format inspector mistakes for anything but a raw disk.</summary>
    private static byte[] Content(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        bytes.AsSpan(0, 64 << 10 < length ? 64 << 10 : length).Clear();
        bytes[0] = (byte)(seed + 1);
        return bytes;
    }
}
