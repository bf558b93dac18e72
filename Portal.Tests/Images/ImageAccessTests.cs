using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

/// <summary>
/// Who sees which image. The expected answers, as a table:
///
/// | who      | own private              | others' private | public                   | community                |
/// |----------|--------------------------|-----------------|--------------------------|--------------------------|
/// | customer | every status but deleted | never           | active only              | active only              |
/// | operator | every status but deleted | never           | every status but deleted | every status but deleted |
///
/// Each cell is checked, for every status, through the lists (Private images / Public images tabs), the
/// details lookup, the in-memory policy and live events: all four must give the same answer. A pending-delete image
/// the caller sees is listed only under Recently deleted, never on the other two tabs.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageAccessTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    public enum Who
    {
        Customer,
        Operator,
    }

    public enum Cell
    {
        OwnPrivate,
        OthersPrivate,
        Public,
        Community,
    }

    public void Dispose() => _harness.Dispose();

    public static TheoryData<Who, Cell, ImageStatus> EveryCell()
    {
        var data = new TheoryData<Who, Cell, ImageStatus>();
        foreach (var who in Enum.GetValues<Who>())
        {
            foreach (var cell in Enum.GetValues<Cell>())
            {
                foreach (var status in Enum.GetValues<ImageStatus>())
                {
                    data.Add(who, cell, status);
                }
            }
        }

        return data;
    }

    /// <summary>The table above, written independently of the production rule.</summary>
    private static bool Expected(Who who, Cell cell, ImageStatus status) => status != ImageStatus.Deleted && cell switch
    {
        Cell.OwnPrivate => true,
        Cell.OthersPrivate => false,
        _ => who == Who.Operator || status == ImageStatus.Active,
    };

    [Theory]
    [MemberData(nameof(EveryCell))]
    public async Task ListsDetailsPolicyAndEventsAgreeWithTheTable(Who who, Cell cell, ImageStatus status)
    {
        var caller = who == Who.Operator ? Callers.Operator : Callers.Alice;
        var (owner, visibility) = cell switch
        {
            Cell.OwnPrivate => (caller, ImageVisibility.Private),
            Cell.OthersPrivate => (who == Who.Operator ? Callers.Alice : Callers.Bob, ImageVisibility.Private),
            Cell.Public => (Callers.Operator, ImageVisibility.Public),
            _ => (Callers.Operator, ImageVisibility.Community),
        };
        var image = await AddAsync(owner, visibility, status);
        var expected = Expected(who, cell, status);

        var tab = cell is Cell.OwnPrivate or Cell.OthersPrivate ? ImageScope.Private : ImageScope.Public;
        var otherTab = tab == ImageScope.Private ? ImageScope.Public : ImageScope.Private;
        var pending = status == ImageStatus.PendingDelete;
        Assert.Equal(expected && !pending, await ListsAsync(caller, tab, image.Id));
        Assert.False(await ListsAsync(caller, otherTab, image.Id));
        Assert.Equal(expected && pending, await ListsAsync(caller, ImageScope.RecentlyDeleted, image.Id));
        Assert.Equal(expected, await DetailsShowAsync(caller, image.Id));
        Assert.Equal(expected, caller.CanSee(image));
        Assert.Equal(expected, ImageChange.Of(image).IsVisibleTo(caller));
    }

    [Fact]
    public async Task AnOperatorsCommunityImageIsInTheCatalogForTheOperatorAndForCustomers()
    {
        var image = await _harness.Service.CreateAsync(Callers.Operator, new CreateImageRequest
        {
            Name = "community-image", FileName = "c.raw", FileSize = 512, DiskFormat = DiskFormat.Raw, Visibility = ImageVisibility.Community,
        });
        await _harness.Transfers.UploadAsync(Callers.Operator, image.Id, new MemoryStream(new byte[512]), 512, CancellationToken.None);

        Assert.True(await ListsAsync(Callers.Operator, ImageScope.Public, image.Id));
        Assert.True(await ListsAsync(Callers.Alice, ImageScope.Public, image.Id));
        Assert.True(await ListsAsync(Callers.Bob, ImageScope.Public, image.Id));
        Assert.Equal(ImageVisibility.Community, (await _harness.Service.GetAsync(Callers.Bob, image.Id)).Visibility);
    }

    [Fact]
    public async Task ALiveEventReachesThoseWhoCouldSeeTheImageBeforeTheChange()
    {
        var image = await AddAsync(Callers.Operator, ImageVisibility.Public, ImageStatus.Active);
        var heard = new List<ImageChange>();
        using var subscription = _harness.Events.Subscribe(Callers.Alice, change =>
        {
            lock (heard)
            {
                heard.Add(change);
            }

            return Task.CompletedTask;
        });

        await _harness.Service.DeactivateAsync(Callers.Operator, image.Id);

        // Deactivated, the image is gone from Alice's catalog; she still hears of it so her list drops it.
        await Eventually.TrueAsync(() => { lock (heard) { return heard.Count == 1; } });
        Assert.Equal(ImageStatus.Deactivated, heard[0].Status);
        Assert.False(Callers.Alice.CanSee(heard[0].Image));
    }

    [Fact]
    public void TheScopeBecomesOneParameterizedQueryForEveryCaller()
    {
        using var db = _harness.Database.CreateDbContext();

        var alice = db.Images.In(ImageAccess.Catalog, Callers.Alice).ToQueryString();
        var bob = db.Images.In(ImageAccess.Catalog, Callers.Bob).ToQueryString();
        var own = db.Images.In(ImageAccess.Own, Callers.Alice).ToQueryString();

        Assert.DoesNotContain(Callers.AliceAccount.ToString(), StripParameters(own), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"Owner\" = @", own, StringComparison.Ordinal);
        Assert.Equal(StripParameters(alice), StripParameters(bob));
    }

    /// <summary>The SQL without the parameter values EF prints above it (SQLite: <c>.param set</c>, PostgreSQL: <c>-- @name=</c>).</summary>
    private static string StripParameters(string sql) =>
        string.Join('\n', sql.Split('\n').Where(line => !line.StartsWith(".param", StringComparison.Ordinal) && !line.StartsWith("-- @", StringComparison.Ordinal)));

    private async Task<bool> ListsAsync(Caller caller, ImageScope scope, Guid id)
    {
        var page = await _harness.Service.ListAsync(caller, new ImageQuery { Scope = scope, PageSize = ImageQuery.MaxPageSize });
        return page.Items.Any(i => i.Id == id);
    }

    private async Task<bool> DetailsShowAsync(Caller caller, Guid id)
    {
        try
        {
            await _harness.Service.GetAsync(caller, id);
            return true;
        }
        catch (ImageNotFoundException)
        {
            return false;
        }
    }

    /// <summary>An image in any status; statuses no API path reaches for this visibility are written straight to the row.</summary>
    private async Task<Image> AddAsync(Caller owner, ImageVisibility visibility, ImageStatus status)
    {
        var image = await _harness.AddImageAsync(owner, $"{visibility}-{status}", visibility, active: false);
        await using var db = _harness.Database.CreateDbContext();
        await db.Images.Where(i => i.Id == image.Id).ExecuteUpdateAsync(set => set.SetProperty(i => i.Status, status));
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == image.Id);
    }
}
