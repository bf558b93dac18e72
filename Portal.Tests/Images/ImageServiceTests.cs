using Microsoft.EntityFrameworkCore;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageServiceTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task PrivateScopeListsOnlyTheCallersAccountImages()
    {
        await _harness.AddImageAsync(Callers.Alice, "alice-1");
        await _harness.AddImageAsync(Callers.AliceColleague, "alice-2");
        await _harness.AddImageAsync(Callers.Bob, "bob-1");
        await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);

        var page = await Service.ListAsync(Callers.Alice, new ImageQuery { Scope = ImageScope.Private, SortBy = ImageSort.Name, Descending = false });

        Assert.Equal(["alice-1", "alice-2"], page.Items.Select(i => i.Name));
        Assert.Equal(2, page.TotalCount);
    }

    [Fact]
    public async Task PublicScopeListsTheCatalogForEveryCustomer()
    {
        await _harness.AddImageAsync(Callers.Alice, "alice-1");
        await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        await _harness.AddImageAsync(Callers.Operator, "operator-private");

        var page = await Service.ListAsync(Callers.Bob, new ImageQuery { Scope = ImageScope.Public });

        Assert.Equal(["ubuntu"], page.Items.Select(i => i.Name));
    }

    [Fact]
    public async Task ListFiltersByNameStatusAndFormatInTheDatabase()
    {
        await _harness.AddImageAsync(Callers.Alice, "web-frontend");
        await _harness.AddImageAsync(Callers.Alice, "Web-Backend", format: DiskFormat.Raw);
        await _harness.AddImageAsync(Callers.Alice, "web-queued", active: false);
        await _harness.AddImageAsync(Callers.Alice, "database");
        await _harness.AddImageAsync(Callers.Alice, "100%_done");

        async Task<string[]> Names(ImageQuery query) =>
            (await Service.ListAsync(Callers.Alice, query with { SortBy = ImageSort.Name, Descending = false })).Items.Select(i => i.Name).ToArray();

        Assert.Equal(["Web-Backend", "web-frontend", "web-queued"], await Names(new ImageQuery { NameContains = "WEB" }));
        Assert.Equal(["web-queued"], await Names(new ImageQuery { NameContains = "web", Status = ImageStatus.Queued }));
        Assert.Equal(["Web-Backend"], await Names(new ImageQuery { DiskFormat = DiskFormat.Raw }));
        Assert.Equal(["100%_done"], await Names(new ImageQuery { NameContains = "0%_" }));
        Assert.Empty(await Names(new ImageQuery { NameContains = "%" + "x" }));
    }

    [Fact]
    public async Task ListSortsAndPagesInTheDatabase()
    {
        for (var i = 0; i < 30; i++)
        {
            await _harness.AddImageAsync(Callers.Alice, $"image-{i:D2}", size: 1000 + (i * 37 % 30));
        }

        var firstPage = await Service.ListAsync(Callers.Alice, new ImageQuery { SortBy = ImageSort.Name, Descending = false, PageSize = 10 });
        var thirdPage = await Service.ListAsync(Callers.Alice, new ImageQuery { SortBy = ImageSort.Name, Descending = false, PageSize = 10, Page = 2 });
        var newestFirst = await Service.ListAsync(Callers.Alice, new ImageQuery { PageSize = 3 });
        var largest = await Service.ListAsync(Callers.Alice, new ImageQuery { SortBy = ImageSort.Size, Descending = true, PageSize = 1 });

        Assert.Equal(30, firstPage.TotalCount);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"image-{i:D2}"), firstPage.Items.Select(i => i.Name));
        Assert.Equal(Enumerable.Range(20, 10).Select(i => $"image-{i:D2}"), thirdPage.Items.Select(i => i.Name));
        Assert.Equal(["image-29", "image-28", "image-27"], newestFirst.Items.Select(i => i.Name));
        Assert.Equal(1029, largest.Items.Single().Size);
    }

    [Fact]
    public async Task PageSizeIsCappedSoNobodyLoadsEveryRow()
    {
        for (var i = 0; i < ImageQuery.MaxPageSize + 5; i++)
        {
            await _harness.AddImageAsync(Callers.Alice, $"image-{i}", active: false);
        }

        var page = await Service.ListAsync(Callers.Alice, new ImageQuery { PageSize = 10_000 });

        Assert.Equal(ImageQuery.MaxPageSize, page.Items.Count);
        Assert.Equal(ImageQuery.MaxPageSize + 5, page.TotalCount);
    }

    [Fact]
    public async Task GetOfAnotherAccountsPrivateImageIsNotFound()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "secret");

        var missing = await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.GetAsync(Callers.Bob, image.Id));
        var unknown = await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.GetAsync(Callers.Bob, Guid.NewGuid()));

        Assert.Equal(unknown.Message, missing.Message);
    }

    [Fact]
    public async Task UpdateChangesTheMetadata()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "old");
        var request = new UpdateImageRequest { Name = "  new name ", Description = "d", OsDistro = "debian", OsVersion = "13", MinDiskGb = 20, MinRamMb = 2048 };

        await Service.UpdateAsync(Callers.Alice, image.Id, request, image.Version);

        var saved = await Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal("new name", saved.Name);
        Assert.Equal(("debian", "13", 20, 2048), (saved.OsDistro, saved.OsVersion, saved.MinDiskGb, saved.MinRamMb));
        Assert.Equal(image.Version + 1, saved.Version);
    }

    [Fact]
    public async Task UpdateRefusesAnInvalidRequestWithTheValidatorsMessage()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "old");
        var request = new UpdateImageRequest { Name = "bad\tname", MinDiskGb = -1 };

        var refusal = await Assert.ThrowsAsync<ImageValidationException>(() => Service.UpdateAsync(Callers.Alice, image.Id, request, image.Version));

        Assert.Contains("control characters", refusal.Message);
        Assert.Contains("Minimum disk", refusal.Message);
        Assert.Equal("old", (await Service.GetAsync(Callers.Alice, image.Id)).Name);
    }

    [Fact]
    public async Task StaleEditIsRefusedInsteadOfOverwritingAnotherEdit()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "shared");
        var seenByBoth = image.Version;

        await Service.UpdateAsync(Callers.Alice, image.Id, new UpdateImageRequest { Name = "alice's edit" }, seenByBoth);
        await Assert.ThrowsAsync<ImageConflictException>(() =>
            Service.UpdateAsync(Callers.AliceColleague, image.Id, new UpdateImageRequest { Name = "carol's edit" }, seenByBoth));

        Assert.Equal("alice's edit", (await Service.GetAsync(Callers.Alice, image.Id)).Name);
    }

    [Fact]
    public async Task ConcurrentSaveOfTheSameRowIsDetectedByTheConcurrencyToken()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "raced");

        // Two operations load the same row, the first saves, the second must not silently win.
        await using var first = _harness.Database.CreateDbContext();
        await using var second = _harness.Database.CreateDbContext();
        var a = await first.Images.SingleAsync(i => i.Id == image.Id);
        var b = await second.Images.SingleAsync(i => i.Id == image.Id);
        a.UpdateMetadata(Callers.Alice, new ImageMetadata("first", null, null, null, 0, 0), DateTime.UtcNow);
        b.UpdateMetadata(Callers.AliceColleague, new ImageMetadata("second", null, null, null, 0, 0), DateTime.UtcNow);
        await first.SaveChangesAsync();

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
        Assert.Equal("first", (await Service.GetAsync(Callers.Alice, image.Id)).Name);
    }

    [Fact]
    public async Task DeleteOfAnImageWithDataKeepsTheDataAndMovesItToRecentlyDeleted()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "doomed");
        Assert.True(await _harness.Store.ExistsAsync(image.Id, CancellationToken.None));

        await Service.DeleteAsync(Callers.Alice, image.Id);

        Assert.True(await _harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        await using var db = _harness.Database.CreateDbContext();
        var row = await db.Images.SingleAsync(i => i.Id == image.Id);
        Assert.Equal(ImageStatus.PendingDelete, row.Status);
        Assert.Null(row.DeletedAt);
        Assert.Equal(ImageStatus.PendingDelete, (await Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Equal([image.Id], (await Service.ListRecentlyDeletedAsync(Callers.Alice)).Select(i => i.Id));
    }

    [Fact]
    public async Task DeleteOfAnImageWithoutDataRemovesItAtOnceAndKeepsTheRowAsDeleted()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "never-uploaded", active: false);

        await Service.DeleteAsync(Callers.Alice, image.Id);

        await using var db = _harness.Database.CreateDbContext();
        var row = await db.Images.SingleAsync(i => i.Id == image.Id);
        Assert.Equal(ImageStatus.Deleted, row.Status);
        Assert.NotNull(row.DeletedAt);
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.GetAsync(Callers.Alice, image.Id));
        Assert.Empty(await Service.ListRecentlyDeletedAsync(Callers.Alice));
    }

    [Fact]
    public async Task DeleteOfProtectedImageIsRefusedAndKeepsEverything()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "precious", isProtected: true);

        var refusal = await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeleteAsync(Callers.Alice, image.Id));

        Assert.Contains("Unprotect it first", refusal.Message);
        Assert.True(await _harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        Assert.Equal(ImageStatus.Active, (await Service.GetAsync(Callers.Alice, image.Id)).Status);
    }

    [Fact]
    public async Task ProtectThenUnprotectThenDelete()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "cycle");

        await Service.SetProtectedAsync(Callers.Alice, image.Id, true);
        await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeleteAsync(Callers.Alice, image.Id));
        await Service.SetProtectedAsync(Callers.Alice, image.Id, false);
        await Service.DeleteAsync(Callers.Alice, image.Id);

        Assert.Equal(ImageStatus.PendingDelete, (await Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
    }

    [Fact]
    public async Task AnotherAccountCannotProtectOrDeleteAPrivateImage()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "mine");

        await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.SetProtectedAsync(Callers.Bob, image.Id, true));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Service.DeleteAsync(Callers.Bob, image.Id));

        Assert.True(await _harness.Store.ExistsAsync(image.Id, CancellationToken.None));
        Assert.False((await Service.GetAsync(Callers.Alice, image.Id)).IsProtected);
    }

    [Fact]
    public async Task CustomerCannotChangeOrDeleteAPublicImage()
    {
        var image = await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);

        await Assert.ThrowsAsync<ImageRuleException>(() => Service.DeleteAsync(Callers.Alice, image.Id));
        await Assert.ThrowsAsync<ImageRuleException>(() =>
            Service.UpdateAsync(Callers.Alice, image.Id, new UpdateImageRequest { Name = "mine now" }, image.Version));

        var unchanged = await Service.GetAsync(Callers.Bob, image.Id);
        Assert.Equal("ubuntu", unchanged.Name);
        Assert.True(await _harness.Store.ExistsAsync(image.Id, CancellationToken.None));
    }

    [Fact]
    public async Task OperatorCanDeleteAPublicImage()
    {
        var image = await _harness.AddImageAsync(Callers.Operator, "retired", ImageVisibility.Public);

        await Service.DeleteAsync(Callers.Operator, image.Id);

        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery { Scope = ImageScope.Public })).Items);
    }

    [Fact]
    public async Task CreateFromAFileMakesAQueuedPrivateImageOfTheCallersAccount()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = " new-image ",
            Source = ImageSource.File,
            FileName = "disk.qcow2",
            FileSize = 1 << 20,
            DiskFormat = DiskFormat.Qcow2,
            OsDistro = "debian",
            OsVersion = "13",
            IsProtected = true,
            MinDiskGb = 10,
            MinRamMb = 1024,
        });

        var stored = await Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(("new-image", ImageStatus.Queued, ImageVisibility.Private, Callers.AliceAccount), (stored.Name, stored.Status, stored.Visibility, stored.Owner));
        Assert.Equal((DiskFormat.Qcow2, "debian", "13", true, 10, 1024), (stored.DiskFormat, stored.OsDistro, stored.OsVersion, stored.IsProtected, stored.MinDiskGb, stored.MinRamMb));
        Assert.Equal(ContainerFormat.Bare, stored.ContainerFormat);
        Assert.Null(stored.ImportUrl);
    }

    [Fact]
    public async Task CreateFromAUrlStartsImportingAtOnceAndQueuesTheDownload()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "imported",
            Source = ImageSource.Url,
            ImageUrl = "https://cloud.example.com/image.qcow2",
            DiskFormat = DiskFormat.Qcow2,
        });

        Assert.Equal(ImageStatus.Importing, image.Status);
        Assert.Equal("https://cloud.example.com/image.qcow2", image.ImportUrl);
        Assert.True(_harness.Imports.TryTake(out var queued));
        Assert.Equal(image.Id, queued.ImageId);
    }

    [Fact]
    public async Task CraftedPublicCreateIsRefusedAsNotAllowedWithTheFormsSentenceAndCreatesNothing()
    {
        var crafted = new CreateImageRequest { Name = "sneaky", Source = ImageSource.File, FileName = "x.raw", FileSize = 10, DiskFormat = DiskFormat.Raw, Visibility = ImageVisibility.Public };

        // Who may publish is a matter of role (403 over the API), not a mistyped field (400): the same sentence either way.
        var refusal = await Assert.ThrowsAsync<Portal.Rules.RefusedException>(() => Service.CreateAsync(Callers.Alice, crafted));

        Assert.Equal((Portal.Rules.RefusalCode.NotAllowed, "Customers can only upload private images."), (refusal.Code, refusal.Message));
        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery())).Items);
        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery { Scope = ImageScope.Public })).Items);
    }

    [Fact]
    public async Task OperatorCanCreateAPublicImage()
    {
        var image = await Service.CreateAsync(Callers.Operator, new CreateImageRequest
        {
            Name = "Ubuntu 26.04 LTS", Source = ImageSource.File, FileName = "noble.img", FileSize = 10, DiskFormat = DiskFormat.Qcow2, Visibility = ImageVisibility.Public,
        });

        Assert.Equal(ImageVisibility.Public, image.Visibility);
        Assert.Contains((await Service.ListAsync(Callers.Operator, new ImageQuery { Scope = ImageScope.Public })).Items, i => i.Id == image.Id);

        // Customers see catalog images once they can use them: not while the data is still missing.
        Assert.DoesNotContain((await Service.ListAsync(Callers.Bob, new ImageQuery { Scope = ImageScope.Public })).Items, i => i.Id == image.Id);
    }

    [Fact]
    public async Task CreationIsAnnouncedToTheAccountsOpenPages()
    {
        var seen = new List<ImageChange>();
        using var alice = _harness.Events.Subscribe(Callers.AliceColleague, change => { lock (seen) { seen.Add(change); } return Task.CompletedTask; });
        var bobSaw = false;
        using var bob = _harness.Events.Subscribe(Callers.Bob, _ => { bobSaw = true; return Task.CompletedTask; });

        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest { Name = "announced", FileName = "a.raw", FileSize = 1, DiskFormat = DiskFormat.Raw });

        await Eventually.TrueAsync(() =>
        {
            lock (seen)
            {
                return seen.Any(c => c.ImageId == image.Id && c.Status == ImageStatus.Queued);
            }
        });
        Assert.False(bobSaw);
    }

    [Fact]
    public async Task RetryImportStartsAgainFromTheSameUrl()
    {
        var image = await Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "retry", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/a.img", DiskFormat = DiskFormat.Raw,
        });
        _harness.Imports.TryTake(out _);
        await _harness.Transfers.AbandonAsync(image.Id, "The server had a problem (HTTP 503). Try again later.");

        var retried = await Service.RetryImportAsync(Callers.Alice, image.Id);

        Assert.Equal(ImageStatus.Importing, retried.Status);
        Assert.Null(retried.StatusReason);
        Assert.True(_harness.Imports.TryTake(out var queued));
        Assert.Equal(image.Id, queued.ImageId);
    }
}
