using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images.Pages;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImagesPageTests : PortalComponentTest
{
    [Fact]
    public void PageOffersPrivatePublicSharedWithMeAndRecentlyDeletedTabs()
    {
        RenderProviders();

        var page = Render<ImagesPage>();

        var tabs = page.FindAll("[role=tab]").Select(t => t.TextContent.Trim()).ToArray();
        Assert.Equal(["Private images", "Public images", "Shared with me", "Recently deleted"], tabs);
        Assert.Equal("Images", page.Find("h1").TextContent.Trim());
    }

    [Fact]
    public async Task PublicTabSaysTheCatalogIsDemoData()
    {
        await Harness.AddImageAsync(Callers.Operator, "Fedora 44", Portal.Images.ImageVisibility.Public);
        RenderProviders();
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo("/compute/images?tab=public");

        var page = Render<ImagesPage>();

        page.WaitForAssertion(() => Assert.Contains("Fedora 44", page.Markup));
        Assert.Contains("demo catalog data", page.Markup);
    }
}
