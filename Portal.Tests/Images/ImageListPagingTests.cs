using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Sharing;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

/// <summary>
/// Paging through long lists on a real SQLite database: the Image API's marker (a keyset on the sort keys and the id),
/// the Images page's pages, and the indexes that let both read a page without sorting the whole account.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageListPagingTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    /// <summary>
    /// Alice's images with many ties: three names, two creation times, two sizes and some without data, so that every
    /// sort key has runs of equal values that the id must order.
    /// </summary>
    private async Task<IReadOnlyList<Image>> AddImagesWithTiesAsync(int count)
    {
        var first = _harness.Clock.GetUtcNow().UtcDateTime;
        var images = new List<Image>();
        for (var n = 0; n < count; n++)
        {
            var created = first.AddMinutes(n % 2);
            var image = Image.Create(Callers.Alice, new NewImage(new[] { "alpha", "Beta", "gamma" }[n % 3], DiskFormat.Qcow2), created);
            if (n % 4 != 0)
            {
                image.BeginTransfer(Callers.Alice, ImageStatus.Saving, created);
                image.CompleteTransfer(new ImageData(n % 2 == 0 ? 10 : 20, new string('0', 32), new string('0', 128), 20), created);
            }

            images.Add(image);
        }

        await using var db = _harness.Database.CreateDbContext();
        db.Images.AddRange(images);
        await db.SaveChangesAsync();
        return images;
    }

    private async Task<List<Image>> WalkAsync(Caller caller, ImageListQuery query)
    {
        var seen = new List<Image>();
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await Service.ListAsync(caller, query);
            seen.AddRange(page.Items);
            if (page.NextMarker is not { } marker)
            {
                return seen;
            }

            Assert.Equal(page.Items[^1].Id, marker);
            query = query with { Marker = marker };
        }

        throw new InvalidOperationException("The marker never reached the end of the list.");
    }

    public static TheoryData<ImageSortKey, bool> SortKeys => new()
    {
        { ImageSortKey.Name, false },
        { ImageSortKey.Name, true },
        { ImageSortKey.CreatedAt, false },
        { ImageSortKey.CreatedAt, true },
        { ImageSortKey.Size, false },
        { ImageSortKey.Size, true },
        { ImageSortKey.Status, false },
        { ImageSortKey.UpdatedAt, true },
    };

    [Theory]
    [MemberData(nameof(SortKeys))]
    public async Task MarkerPagingReturnsEveryImageExactlyOnceInTheOneOrderEvenOnEqualSortKeys(ImageSortKey key, bool descending)
    {
        var images = await AddImagesWithTiesAsync(23);
        var sort = new[] { new ImageSortOrder(key, descending) };

        var walked = await WalkAsync(Callers.Alice, new ImageListQuery { Limit = 4, Sort = sort });
        var whole = await Service.ListAsync(Callers.Alice, new ImageListQuery { Limit = 1000, Sort = sort });

        Assert.Equal(images.Select(i => i.Id).Order(), walked.Select(i => i.Id).Order());
        Assert.Equal(whole.Items.Select(i => i.Id), walked.Select(i => i.Id));
        Assert.Null(whole.NextMarker);
    }

    [Fact]
    public async Task EqualKeysAreOrderedByIdInTheDirectionOfTheSort()
    {
        await AddImagesWithTiesAsync(9);

        var up = (await Service.ListAsync(Callers.Alice, new ImageListQuery { Sort = [new(ImageSortKey.Name, false)] })).Items;
        var down = (await Service.ListAsync(Callers.Alice, new ImageListQuery { Sort = [new(ImageSortKey.Name, true)] })).Items;

        // Names sort as people read them, whatever their case; the id breaks ties, so one direction is the other reversed.
        Assert.Equal(["alpha", "alpha", "alpha", "Beta", "Beta", "Beta", "gamma", "gamma", "gamma"], up.Select(i => i.Name));
        Assert.Equal(up.Select(i => i.Id).Reverse(), down.Select(i => i.Id));
    }

    [Fact]
    public async Task MarkerPagingOfTheDefaultListWalksOwnPublicAndAcceptedSharedImagesTogether()
    {
        var own = await AddImagesWithTiesAsync(7);
        var publicImage = await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        var community = await _harness.AddImageAsync(Callers.Operator, "community", ImageVisibility.Community);
        var shared = await _harness.AddImageAsync(Callers.Bob, "bobs-shared");
        var pending = await _harness.AddImageAsync(Callers.Bob, "bobs-pending");
        var sharing = _harness.Get<ImageSharingService>();
        await sharing.ShareAsync(Callers.Bob, shared.Id, "alice-project");
        await sharing.SetMemberStatusAsync(Callers.Alice, shared.Id, Callers.AliceAccount, MemberStatus.Accepted);
        await sharing.ShareAsync(Callers.Bob, pending.Id, "alice-project");

        var walked = await WalkAsync(Callers.Alice, new ImageListQuery { Limit = 2 });

        Assert.Equal(own.Select(i => i.Id).Append(publicImage.Id).Append(shared.Id).Order(), walked.Select(i => i.Id).Order());
        Assert.DoesNotContain(community.Id, walked.Select(i => i.Id));
        Assert.Equal(walked.OrderByDescending(i => i.CreatedAt).Select(i => i.CreatedAt), walked.Select(i => i.CreatedAt));
    }

    [Fact]
    public async Task AMarkerOutsideTheFilteredListIsRefused()
    {
        var images = await AddImagesWithTiesAsync(4);
        var queued = images[0];

        await Assert.ThrowsAsync<ImageRuleException>(() =>
            Service.ListAsync(Callers.Alice, new ImageListQuery { Status = ImageStatus.Active, Marker = queued.Id }));
    }

    [Fact]
    public async Task ThePagesOfATabShowTheSortedListOnceAndCountOnlyWhenAsked()
    {
        await AddImagesWithTiesAsync(23);
        var whole = (await Service.ListAsync(Callers.Alice, new ImageQuery { SortBy = ImageSort.Name, Descending = false, PageSize = 100 })).Items;

        var pages = new List<ImagePage>();
        for (var page = 0; page < 3; page++)
        {
            pages.Add(await Service.ListAsync(Callers.Alice, new ImageQuery
            {
                SortBy = ImageSort.Name, Descending = false, Page = page, PageSize = 10, CountTotal = page == 0,
            }));
        }

        Assert.Equal(whole.Select(i => i.Id), pages.SelectMany(p => p.Items).Select(i => i.Id));
        Assert.Equal([23, null, null], pages.Select(p => p.TotalCount));
        Assert.Equal([10, 10, 3], pages.Select(p => p.Items.Count));
    }

    [Fact]
    public async Task ThePublicTabCountsTheCatalogAloneBesideAnAccountOfManyImages()
    {
        await AddImagesWithTiesAsync(12);
        await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        await _harness.AddImageAsync(Callers.Operator, "community", ImageVisibility.Community);
        await _harness.AddImageAsync(Callers.Operator, "queued-public", ImageVisibility.Public, active: false);

        var customer = await Service.ListAsync(Callers.Alice, new ImageQuery { Scope = ImageScope.Public });
        var operatorView = await Service.ListAsync(Callers.Operator, new ImageQuery { Scope = ImageScope.Public, SortBy = ImageSort.Name, Descending = false });

        Assert.Equal(2, customer.TotalCount);
        Assert.Equal(["community", "queued-public", "ubuntu"], operatorView.Items.Select(i => i.Name));
        Assert.Equal(3, operatorView.TotalCount);
    }

    public static TheoryData<ImageSort, bool, string> PageOrders => new()
    {
        { ImageSort.Created, true, "IX_Images_Owner_CreatedAt_Id" },
        { ImageSort.Created, false, "IX_Images_Owner_CreatedAt_Id" },
        { ImageSort.Name, false, "IX_Images_Owner_Name_Id" },
        { ImageSort.Name, true, "IX_Images_Owner_Name_Id" },
    };

    /// <summary>
    /// SQLite's own account of how it runs a tab's page: the account's images are read from the index in the asked
    /// order, never all of them sorted in a temporary B-tree to find the first 25.
    /// </summary>
    [Theory]
    [MemberData(nameof(PageOrders))]
    [Trait(TestDatabaseProvider.Trait, TestDatabaseProvider.SqliteOnly)]
    public async Task APrivateTabPageIsReadFromAnIndexInOrderNotSorted(ImageSort sort, bool descending, string index)
    {
        await AddImagesWithTiesAsync(40);
        await using var db = _harness.Database.CreateDbContext();
        var page = ImageOrder.Of(sort, descending).Apply(db.Images.AsNoTracking().In(ImageAccess.Own, Callers.Alice)).Skip(25).Take(25);

        var plan = await QueryPlanAsync(db, page.ToQueryString());

        Assert.Contains(plan, line => line.Contains($"USING INDEX {index} (Owner=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal));
        Assert.DoesNotContain("SCAN i", plan);
    }

    [Fact]
    [Trait(TestDatabaseProvider.Trait, TestDatabaseProvider.SqliteOnly)]
    public async Task ThePageAfterAMarkerStartsInsideTheIndex()
    {
        var images = await AddImagesWithTiesAsync(40);
        await using var db = _harness.Database.CreateDbContext();
        var order = ImageOrder.Of([new ImageSortOrder(ImageSortKey.CreatedAt, true)]);
        var after = order.After(images[10], db.Model);
        var page = order.Apply(db.Images.AsNoTracking().In(ImageAccess.Own, Callers.Alice).Where(after)).Take(26);

        var plan = await QueryPlanAsync(db, page.ToQueryString());

        Assert.Contains(plan, line => line.Contains("USING INDEX IX_Images_Owner_CreatedAt_Id (Owner=? AND CreatedAt<?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheMigrationsCreateTheListIndexes()
    {
        await using var db = _harness.Database.CreateDbContext();
        var names = await db.Database.SqlQueryRaw<string>(TestDatabaseProvider.IsPostgreSql
            ? "SELECT indexname AS \"Value\" FROM pg_indexes WHERE tablename = 'Images'"
            : "SELECT name AS Value FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Images'").ToListAsync();

        Assert.Contains("IX_Images_Owner_CreatedAt_Id", names);
        Assert.Contains("IX_Images_Owner_Name_Id", names);
        Assert.Contains("IX_Images_Owner_UpdatedAt_Id", names);
        Assert.Contains("IX_Images_Owner_DeletedAt_ActivatedAt_Visibility_Size", names);
    }

    /// <summary>EXPLAIN QUERY PLAN of EF Core's SQL, its parameters left unbound (SQLite plans without their values).</summary>
    private static async Task<List<string>> QueryPlanAsync(Portal.Data.PortalDbContext db, string sql)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith(".param", StringComparison.Ordinal)));
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }
}
