using Bunit;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class DetailsCardTests : DetailsCardTest
{
    private IRenderedComponent<DetailsCard> RenderDetails(Image image, Portal.Accounts.Caller caller) =>
        RenderCard<DetailsCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller));

    private static string Field(IRenderedComponent<DetailsCard> card, string label) =>
        card.FindAll("dt").Single(dt => dt.TextContent == label).NextElementSibling!.TextContent.Trim();

    [Fact]
    public async Task TheCallersOwnImageBelongsToTheirAccount()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "mine", distro: "debian", version: "13");

        var card = RenderDetails(image, Callers.AliceColleague);

        Assert.Equal("Your account", Field(card, "Owner"));
        Assert.Equal("private", Field(card, "Visibility"));
        Assert.Equal("debian / 13", Field(card, "os_distro / os_version"));
        Assert.Equal(image.Id.ToString(), card.Find("dd code").TextContent);
        Assert.DoesNotContain(card.FindAll("dt"), dt => dt.TextContent == "Imported from");
    }

    [Fact]
    public async Task ACatalogImageBelongsToThePlatform()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "Debian 13", ImageVisibility.Public);

        var card = RenderDetails(image, Callers.Alice);

        Assert.Equal("Platform", Field(card, "Owner"));
    }

    [Fact]
    public async Task AnImportedImageNamesItsSourceAndWaitsForItsFormat()
    {
        var image = await Harness.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "from-url", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/from-url.qcow2", DiskFormat = DiskFormat.Qcow2,
        });

        var card = RenderDetails(image, Callers.Alice);

        Assert.Equal("https://cloud.example.com/from-url.qcow2", Field(card, "Imported from"));
        Assert.Equal("Known once the data has arrived", card.Find("[data-testid=detected-format]").TextContent);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task APublicImagesSourceIsShownToTheOperatorOnly(bool asOperator)
    {
        var image = await Harness.Service.CreateAsync(Callers.Operator, new CreateImageRequest
        {
            Name = "catalog-from-url", Source = ImageSource.Url, ImageUrl = "https://mirror.internal.example.com/debian.qcow2?sig=secret",
            DiskFormat = DiskFormat.Qcow2, Visibility = ImageVisibility.Public,
        });

        var card = RenderDetails(image, asOperator ? Callers.Operator : Callers.Alice);

        Assert.Equal(asOperator, card.FindAll("dt").Any(dt => dt.TextContent == "Imported from"));
        Assert.Equal(asOperator, card.Markup.Contains("mirror.internal.example.com", StringComparison.Ordinal));
    }
}
