using Bunit;
using Portal.Images;
using Portal.Images.Components;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageGridTests : PortalComponentTest
{
    [Fact]
    public async Task PrivateGridListsOnlyTheAccountsImagesWithAProtectedLock()
    {
        await Harness.AddImageAsync(Callers.Alice, "web-frontend", isProtected: true);
        await Harness.AddImageAsync(Callers.Alice, "ci-runner");
        await Harness.AddImageAsync(Callers.Bob, "bobs-secret");
        RenderProviders();

        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));

        grid.WaitForAssertion(() => Assert.Equal(2, grid.FindAll("a.portal-image-link").Count));
        Assert.DoesNotContain("bobs-secret", grid.Markup);
        var protectedRow = grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("web-frontend"));
        var plainRow = grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("ci-runner"));
        Assert.NotNull(protectedRow.QuerySelector("[aria-label=Protected]"));
        Assert.Null(plainRow.QuerySelector("[aria-label=Protected]"));
        Assert.Contains("Ubuntu 24.04", protectedRow.TextContent);
        Assert.Contains("assets/os/ubuntu.svg", protectedRow.InnerHtml);
    }

    [Fact]
    public async Task ARowWhoseDataWasFoundMissingCarriesAWarningBesideItsStatus()
    {
        var gone = await Harness.AddImageAsync(Callers.Alice, "gone");
        await Harness.AddImageAsync(Callers.Alice, "fine");
        File.Delete(Path.Combine(Harness.Database.ImagesFolder, gone.Id.ToString("D")));
        await using (var db = Harness.Database.CreateDbContext())
        {
            await InterruptedTransfers.RecoverAsync(db, Harness.Store, Harness.Imports, DateTime.UtcNow, CancellationToken.None);
        }

        RenderProviders();

        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));

        grid.WaitForAssertion(() => Assert.Equal(2, grid.FindAll("a.portal-image-link").Count));
        var goneRow = grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("gone"));
        var fineRow = grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("fine"));
        var warning = goneRow.QuerySelector(".portal-integrity-chip")!;
        Assert.Equal("Warning: Data missing", warning.GetAttribute("aria-label"));
        Assert.Equal("active", goneRow.QuerySelector(".portal-status-chip")!.GetAttribute("data-status"));
        Assert.Null(fineRow.QuerySelector(".portal-integrity-chip"));
    }

    [Fact]
    public void EmptyPrivateGridSaysWhatToDo()
    {
        RenderProviders();

        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));

        grid.WaitForAssertion(() => Assert.Contains("You have no private images yet.", grid.Find("[data-testid=images-empty]").TextContent));
        Assert.Contains("Public images tab", grid.Markup);
    }

    [Fact]
    public async Task PublicGridShowsTheCatalogToACustomer()
    {
        await Harness.AddImageAsync(Callers.Operator, "Debian 13", ImageVisibility.Public, distro: "debian", version: "13");
        await Harness.AddImageAsync(Callers.Alice, "alice-private");
        RenderProviders();

        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Public));

        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("a.portal-image-link")));
        Assert.Contains("Debian 13", grid.Find("a.portal-image-link").TextContent);
        Assert.Contains("public", grid.Find("tbody tr").TextContent);
    }

    [Fact]
    public async Task SearchByNameFiltersTheList()
    {
        await Harness.AddImageAsync(Callers.Alice, "web-frontend");
        await Harness.AddImageAsync(Callers.Alice, "database");
        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Equal(2, grid.FindAll("a.portal-image-link").Count));

        grid.Find("input[type=text]").Input("data");

        grid.WaitForAssertion(() => Assert.Equal(["database"], grid.FindAll("a.portal-image-link").Select(a => a.TextContent.Trim())),
            TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SearchWithoutMatchesOffersToClearTheFilters()
    {
        await Harness.AddImageAsync(Callers.Alice, "web-frontend");
        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("a.portal-image-link")));

        grid.Find("input[type=text]").Input("nothing-like-this");

        grid.WaitForAssertion(() => Assert.Contains("No images match these filters.", grid.Markup), TimeSpan.FromSeconds(5));
        Assert.Contains("Clear filters", grid.Markup);
    }

    [Fact]
    public async Task ImageNamesLinkToTheirDetailsPage()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "linked");
        RenderProviders();

        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));

        grid.WaitForAssertion(() => Assert.Equal($"/compute/images/{image.Id}", grid.Find("a.portal-image-link").GetAttribute("href")));
    }

    [Fact]
    public async Task ARowsStatusChipFollowsTheProgressOfItsTransfer()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Alice, "incoming", totalBytes: 1000);
        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Single(grid.FindAll("a.portal-image-link")));

        import.Report(300);
        grid.WaitForAssertion(() => Assert.Equal("Importing 30%", grid.Find(".portal-status-chip").TextContent.Trim()));
        import.Report(900);

        grid.WaitForAssertion(() => Assert.Equal("Importing 90%", grid.Find(".portal-status-chip").TextContent.Trim()));
    }

    [Fact]
    public async Task AProgressReportOfAnImageOnAnotherPageNeitherReloadsNorRendersThePage()
    {
        var images = new List<Image>();
        for (var i = 0; i < 26; i++)
        {
            images.Add(await Harness.AddImageAsync(Callers.Alice, $"image-{i:D2}"));
        }

        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Equal(25, grid.FindAll("a.portal-image-link").Count));
        var shownNames = grid.FindAll("a.portal-image-link").Select(a => a.TextContent.Trim()).ToHashSet();
        var offPage = images.Single(i => !shownNames.Contains(i.Name));
        var onPage = images.First(i => shownNames.Contains(i.Name));

        // What one report of a shown row costs: one re-render of the grid (its row's chip reads the progress).
        var before = grid.RenderCount;
        Harness.Events.Publish(ImageChange.Of(onPage, new TransferProgress(10, 100, DateTime.UtcNow)));
        grid.WaitForAssertion(() => Assert.NotEqual(before, grid.RenderCount));
        var oneReport = grid.RenderCount - before;

        // Changes are handled in order: once the shown row's report has re-rendered the grid, the first was handled too.
        before = grid.RenderCount;
        Harness.Events.Publish(ImageChange.Of(offPage, new TransferProgress(20, 100, DateTime.UtcNow)));
        Harness.Events.Publish(ImageChange.Of(onPage, new TransferProgress(20, 100, DateTime.UtcNow)));
        grid.WaitForAssertion(() => Assert.NotEqual(before, grid.RenderCount));

        Assert.Equal(oneReport, grid.RenderCount - before);
        Assert.Equal(shownNames, grid.FindAll("a.portal-image-link").Select(a => a.TextContent.Trim()).ToHashSet());
    }

    [Fact]
    public async Task ANewImageOfTheAccountAppearsByItself()
    {
        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Contains("You have no private images yet.", grid.Markup));

        await Harness.Service.CreateAsync(Callers.AliceColleague, new CreateImageRequest
        {
            Name = "from-a-colleague", FileName = "a.raw", FileSize = 1, DiskFormat = DiskFormat.Raw,
        });

        grid.WaitForAssertion(() => Assert.Equal("from-a-colleague", grid.Find("a.portal-image-link").TextContent.Trim()));
    }
}
