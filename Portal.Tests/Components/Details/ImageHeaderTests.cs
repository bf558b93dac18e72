using Bunit;
using Portal.Images;
using Portal.Images.Details;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageHeaderTests : DetailsCardTest
{
    [Fact]
    public async Task ShowsTheNameTheStatusAndAProtectedChip()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "golden", isProtected: true);

        var header = RenderCard<ImageHeader>(p => p.Add(h => h.Image, image));

        Assert.Equal("golden", header.Find("h1").TextContent.Trim());
        Assert.Equal("active", header.Find(".portal-status-chip").GetAttribute("data-status"));
        Assert.Contains(header.FindAll(".mud-chip"), chip => chip.TextContent.Trim() == "Protected");
        Assert.Empty(header.FindAll("[data-testid=status-reason]"));
        Assert.Empty(header.FindAll("[data-testid=integrity-warning]"));
    }

    [Fact]
    public async Task NamesTheProblemWhenTheStoredDataWasFoundTruncated()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "cut", size: 4096);
        await using (var file = File.OpenWrite(Path.Combine(Harness.Database.ImagesFolder, image.Id.ToString("D"))))
        {
            file.SetLength(10);
        }

        await using (var db = Harness.Database.CreateDbContext())
        {
            await InterruptedTransfers.RecoverAsync(db, Harness.Store, Harness.Imports, DateTime.UtcNow, CancellationToken.None);
        }

        var flagged = await Harness.Service.GetAsync(Callers.Alice, image.Id);
        var header = RenderCard<ImageHeader>(p => p.Add(h => h.Image, flagged));

        var alert = header.Find("[data-testid=integrity-warning]");
        Assert.Contains("Wrong size", alert.TextContent);
        Assert.Contains(ImageIntegrity.WrongSize.Finding(), alert.TextContent);
        Assert.Equal("Warning: Wrong size", header.Find(".portal-integrity-chip").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task SaysWhyAQueuedImageWaits()
    {
        var queued = await Harness.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "stopped", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/stopped.qcow2", DiskFormat = DiskFormat.Qcow2,
        });
        await Harness.Transfers.AbandonAsync(queued.Id, "The server had a problem (HTTP 503). Try again later.");
        var image = await Harness.Service.GetAsync(Callers.Alice, queued.Id);

        var header = RenderCard<ImageHeader>(p => p.Add(h => h.Image, image));

        Assert.Equal("The server had a problem (HTTP 503). Try again later.", header.Find("[data-testid=status-reason]").TextContent.Trim());
        Assert.DoesNotContain(header.FindAll(".mud-chip"), chip => chip.TextContent.Trim() == "Protected");
    }

    [Fact]
    public async Task StatusChipReadsTheProgressOfTheRunningTransferOnEveryRender()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Alice, "incoming", totalBytes: 1000);
        import.Report(250);

        var header = RenderCard<ImageHeader>(p => p.Add(h => h.Image, import.Image));
        Assert.Equal("Importing 25%", header.Find(".portal-status-chip").TextContent.Trim());

        import.Report(750);
        header.Render();

        Assert.Equal("Importing 75%", header.Find(".portal-status-chip").TextContent.Trim());
    }
}
