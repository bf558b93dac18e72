using System.Net;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImagePagesHttpTests : IClassFixture<PortalAppFactory>
{
    private readonly PortalAppFactory _app;

    public ImagePagesHttpTests(PortalAppFactory app) => _app = app;

    [Fact]
    public async Task OwnerSeesTheDetailsOfTheirPrivateImage()
    {
        var image = await _app.FindImageAsync("web-frontend-golden");
        using var alice = await _app.SignedInClientAsync("alice@demo.local");

        using var response = await alice.GetAsync($"/compute/images/{image.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("web-frontend-golden", html);
        Assert.Contains(image.Checksum!, html);
    }

    [Fact]
    public async Task AnotherAccountsPrivateImageIsNotFound()
    {
        var image = await _app.FindImageAsync("web-frontend-golden");
        using var bob = await _app.SignedInClientAsync("bob@demo.local");

        using var response = await bob.GetAsync($"/compute/images/{image.Id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("web-frontend-golden", html);
        Assert.Contains("Not found", html);
    }

    [Fact]
    public async Task UnknownImageIdIsNotFoundTheSameWay()
    {
        using var bob = await _app.SignedInClientAsync("bob@demo.local");

        using var response = await bob.GetAsync($"/compute/images/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PublicImageDetailsAreVisibleToEveryCustomer()
    {
        var image = await _app.FindImageAsync("Debian 13");
        using var bob = await _app.SignedInClientAsync("bob@demo.local");

        using var response = await bob.GetAsync($"/compute/images/{image.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Portal.Images.ImagePolicy.OnlyOperatorChangesCatalog, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PortalAssetsAreServedUnderAssets()
    {
        using var client = _app.CreateBrowserLikeClient();

        using var css = await client.GetAsync("/assets/css/portal.css");
        using var icon = await client.GetAsync("/assets/os/ubuntu.svg");

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
    }
}
