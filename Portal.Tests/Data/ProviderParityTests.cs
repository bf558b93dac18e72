using Microsoft.EntityFrameworkCore;
using Portal.Images;
using Portal.Data;
using Portal.Images.Integrity;
using Portal.Images.Sharing;
using Portal.Tests.Support;

namespace Portal.Tests.Data;

/// <summary>
/// Where SQLite and PostgreSQL differ by default (text order and case, where NULL sorts, timestamp precision), the
/// portal answers the same on both: this class runs in both test passes with the same expectations.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ProviderParityTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task NamesSortByteWiseIgnoringAsciiCaseAndMatchWhateverTheCase()
    {
        foreach (var name in new[] { "ab", "a_b", "B", "A1", "a", "Ärger", "z" })
        {
            await _harness.AddImageAsync(Callers.Alice, name);
        }

        var sorted = await Service.ListAsync(Callers.Alice, new ImageQuery { Scope = ImageScope.Private, SortBy = ImageSort.Name, Descending = false });
        var api = await Service.ListAsync(Callers.Alice, new ImageListQuery { Sort = [new(ImageSortKey.Name, Descending: false)] });

        // SQLite's NOCASE: ASCII letters folded to lower case, then byte order ('1' < '_' < 'b'; 'Ä' after 'z').
        string[] expected = ["a", "A1", "a_b", "ab", "B", "z", "Ärger"];
        Assert.Equal(expected, sorted.Items.Select(i => i.Name));
        Assert.Equal(expected, api.Items.Select(i => i.Name));
        Assert.Equal(["A1"], (await Service.ListAsync(Callers.Alice, new ImageListQuery { Name = "a1" })).Items.Select(i => i.Name));
        Assert.Equal(["ab"], (await Service.ListAsync(Callers.Alice, new ImageQuery { NameContains = "AB" })).Items.Select(i => i.Name));
        Assert.Equal(["a_b"], (await Service.ListAsync(Callers.Alice, new ImageQuery { NameContains = "A_" })).Items.Select(i => i.Name));
        Assert.Equal(["Ärger"], (await Service.ListAsync(Callers.Alice, new ImageQuery { NameContains = "RGE" })).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task ImagesWithoutASizeOrOperatingSystemSortFirstAscendingAndLastDescending()
    {
        await _harness.AddImageAsync(Callers.Alice, "big", size: 4096, distro: "debian");
        await _harness.AddImageAsync(Callers.Alice, "empty", active: false, distro: null, version: null);
        await _harness.AddImageAsync(Callers.Alice, "small", size: 1024, distro: "alma");

        async Task<string[]> Names(ImageSort sort, bool descending) =>
            [.. (await Service.ListAsync(Callers.Alice, new ImageQuery { SortBy = sort, Descending = descending })).Items.Select(i => i.Name)];

        Assert.Equal(["empty", "small", "big"], await Names(ImageSort.Size, descending: false));
        Assert.Equal(["big", "small", "empty"], await Names(ImageSort.Size, descending: true));
        Assert.Equal(["empty", "small", "big"], await Names(ImageSort.OperatingSystem, descending: false));
        Assert.Equal(["big", "small", "empty"], await Names(ImageSort.OperatingSystem, descending: true));
        Assert.Equal(["empty", "small", "big"], (await Service.ListAsync(Callers.Alice,
            new ImageListQuery { Sort = [new(ImageSortKey.Size, Descending: false)] })).Items.Select(i => i.Name));
        Assert.Equal(["big", "small", "empty"], (await Service.ListAsync(Callers.Alice,
            new ImageListQuery { Sort = [new(ImageSortKey.Size, Descending: true)] })).Items.Select(i => i.Name));
    }

    [Fact]
    public async Task AnImageWithoutAVerificationTimeMakesTheOldestCheckNever()
    {
        await _harness.AddImageAsync(Callers.Alice, "verified");
        var unchecked_ = await _harness.AddImageAsync(Callers.Alice, "unchecked");
        var checker = _harness.Get<ImageIntegrityChecker>();
        Assert.NotNull((await checker.OldestCheckAsync(CancellationToken.None)).OldestCheck);

        // What DataReturned leaves behind: no verification time, first in line for the re-hashing job.
        await using (var db = _harness.Database.CreateDbContext())
        {
            await db.Images.Where(i => i.Id == unchecked_.Id).ExecuteUpdateAsync(set => set.SetProperty(i => i.IntegrityCheckedAt, (DateTime?)null));
        }

        var (any, oldest) = await checker.OldestCheckAsync(CancellationToken.None);

        Assert.True(any);
        Assert.Null(oldest);
    }

    [Fact]
    public async Task ARowThatIsAlreadyThereIsTellableFromOtherRefusedSaves()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "shared");
        var now = _harness.Clock.GetUtcNow().UtcDateTime;
        await using (var first = _harness.Database.CreateDbContext())
        {
            first.Set<ImageMember>().Add(ImageMember.Create(image.Id, Callers.BobAccount, now));
            await first.SaveChangesAsync();
        }

        await using var again = _harness.Database.CreateDbContext();
        again.Set<ImageMember>().Add(ImageMember.Create(image.Id, Callers.BobAccount, now));
        var duplicate = await Assert.ThrowsAsync<DbUpdateException>(() => again.SaveChangesAsync());
        await using var unknown = _harness.Database.CreateDbContext();
        unknown.Set<ImageMember>().Add(ImageMember.Create(image.Id, Guid.NewGuid(), now));
        var noAccount = await Assert.ThrowsAsync<DbUpdateException>(() => unknown.SaveChangesAsync());

        Assert.True(PortalDatabase.IsUniqueViolation(duplicate));
        Assert.False(PortalDatabase.IsUniqueViolation(noAccount));
    }
}
