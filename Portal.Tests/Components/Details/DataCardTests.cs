using Bunit;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Images.Integrity;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class DataCardTests : DetailsCardTest
{
    [Fact]
    public void AThinDiskSaysHowBigItLooksToAGuestAndHowBigTheFileIs()
    {
        var image = InMemoryImage(Callers.Alice, size: 2_949_120, virtualSize: 21_474_836_480);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        var virtualSize = card.Find("[data-testid=virtual-size]").TextContent;
        Assert.Contains("21.5 GB", virtualSize);
        Assert.Contains("(21,474,836,480 bytes)", virtualSize);
        Assert.Contains("the disk a guest sees; the file is 2.9 MB", virtualSize);
        Assert.Equal(new string('a', 32), card.Find("[data-testid=checksum]").TextContent);
        Assert.Equal(new string('b', 128), card.Find("[data-testid=sha512]").TextContent);
    }

    [Fact]
    public void ARawDiskNeedsNoExplanation()
    {
        var image = InMemoryImage(Callers.Alice, size: 1_000_000, virtualSize: 1_000_000);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        Assert.DoesNotContain("the disk a guest sees", card.Markup);
    }

    [Fact]
    public async Task AnImageWithoutDataShowsDashes()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "empty", active: false);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        Assert.Equal("—", card.Find("[data-testid=checksum]").TextContent);
        Assert.Equal("—", card.Find("[data-testid=sha512]").TextContent);
    }

    [Fact]
    public void AnActiveImageOffersADownloadLinkToTheImageFileRoute()
    {
        var image = InMemoryImage(Callers.Alice, size: 1_000_000, virtualSize: 1_000_000);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.AliceColleague));

        var link = card.Find("a[data-testid=download]");
        Assert.Equal($"/image/v2/images/{image.Id}/file", link.GetAttribute("href"));
        Assert.True(link.HasAttribute("download"));
        Assert.Empty(card.FindAll("[data-testid=download-blocked-reason]"));
    }

    [Fact]
    public void AnImageWithoutDataShowsWhyItCannotBeDownloaded()
    {
        var image = Portal.Images.Image.Create(Callers.Alice, new Portal.Images.NewImage("empty", Portal.Images.DiskFormat.Raw), DateTime.UtcNow);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        Assert.Empty(card.FindAll("a[data-testid=download]"));
        Assert.Equal(Portal.Images.ImagePolicy.NothingToDownload, card.Find("[data-testid=download-blocked-reason]").TextContent);
    }

    [Fact]
    public void AnImageWhoseDataWasFoundMissingShowsTheDownloadRulesSentence()
    {
        var image = InMemoryImage(Callers.Alice, size: 1_000_000, virtualSize: 1_000_000);
        image.RecordIntegrity(Portal.Images.ImageIntegrity.DataMissing, DateTime.UtcNow);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        Assert.Empty(card.FindAll("a[data-testid=download]"));
        Assert.Equal(Portal.Images.ImagePolicy.IntegrityRefusal(Portal.Images.ImageIntegrity.DataMissing),
            card.Find("[data-testid=download-blocked-reason]").TextContent);
    }

    [Fact]
    public async Task TheOperatorVerifiesTheDataAndTheCardShowsTheOutcome()
    {
        var image = await IntegrityTestImages.AddAsync(Harness, Callers.Operator, "catalog", Harness.Clock.GetUtcNow().UtcDateTime, ImageVisibility.Public);
        IntegrityTestImages.FlipByte(Path.Combine(Harness.Database.ImagesFolder, image.Id.ToString("D")), at: 42);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Operator).Add(c => c.ImageChanged, OnChanged()));
        Button(card, "Verify data").Click();

        card.WaitForAssertion(() => Assert.Equal(ImageIntegrity.ChecksumMismatch, Assert.Single(Changed).Integrity));
        Assert.Contains(ImageIntegrity.ChecksumMismatch.Finding(), Snackbars.Single().Message);
    }

    [Fact]
    public void ACustomerSeesWhenTheDataWasLastVerifiedButCannotStartACheck()
    {
        var image = InMemoryImage(Callers.Alice, size: 1_000_000, virtualSize: 1_000_000);

        var card = RenderCard<DataCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, Callers.Alice));

        Assert.Equal("2026-11-01 12:00 UTC — Intact", card.Find("[data-testid=last-verified]").TextContent.Trim());
        Assert.False(HasButton(card, "Verify data"));
    }
}
