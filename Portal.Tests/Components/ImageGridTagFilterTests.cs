using Bunit;
using Portal.Images;
using Portal.Images.Components;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageGridTagFilterTests : PortalComponentTest
{
    private async Task<IRenderedComponent<ImageGrid>> RenderTaggedAsync()
    {
        var web = await Harness.AddImageAsync(Callers.Alice, "web-frontend");
        await Harness.Service.AddTagAsync(Callers.Alice, web.Id, "web");
        await Harness.Service.AddTagAsync(Callers.Alice, web.Id, "prod");
        var db = await Harness.AddImageAsync(Callers.Alice, "database");
        await Harness.Service.AddTagAsync(Callers.Alice, db.Id, "prod");
        await Harness.AddImageAsync(Callers.Alice, "untagged");
        RenderProviders();
        var grid = Render<ImageGrid>(p => p.Add(g => g.Scope, ImageScope.Private));
        grid.WaitForAssertion(() => Assert.Equal(3, grid.FindAll("a.portal-image-link").Count));
        return grid;
    }

    private static string[] Names(IRenderedComponent<ImageGrid> grid) =>
        grid.FindAll("a.portal-image-link").Select(a => a.TextContent.Trim()).Order().ToArray();

    [Fact]
    public async Task RowsShowTheirTagsAsChips()
    {
        var grid = await RenderTaggedAsync();

        var row = grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("web-frontend"));
        Assert.Equal(["web", "prod"], row.QuerySelectorAll("[data-testid=row-tags] .mud-chip").Select(c => c.TextContent.Trim()));
        Assert.Null(grid.FindAll("tbody tr").Single(r => r.TextContent.Contains("untagged")).QuerySelector("[data-testid=row-tags]"));
    }

    [Fact]
    public async Task TheTagFilterListsOnlyImagesCarryingThatTag()
    {
        var grid = await RenderTaggedAsync();

        grid.Find("input[data-testid=tag-filter]").Input("prod");

        grid.WaitForAssertion(() => Assert.Equal(["database", "web-frontend"], Names(grid)), TimeSpan.FromSeconds(5));

        grid.Find("input[data-testid=tag-filter]").Input("pro");
        grid.WaitForAssertion(() => Assert.Contains("No images match these filters.", grid.Markup), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ClickingARowsTagFiltersByIt()
    {
        var grid = await RenderTaggedAsync();

        grid.FindAll("[data-testid=row-tags] .mud-chip").First(c => c.TextContent.Trim() == "web").Click();

        grid.WaitForAssertion(() => Assert.Equal(["web-frontend"], Names(grid)));
        Assert.Equal("web", grid.Find("input[data-testid=tag-filter]").GetAttribute("value"));
    }
}
