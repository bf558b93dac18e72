using Portal.Formatting;
using Bunit;
using Portal.Components.Shared;
using Portal.Images;
using Portal.Images.Details;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class TransferCardTests : DetailsCardTest
{
    private IRenderedComponent<TransferCard> RenderTransfer(Image image, Portal.Accounts.Caller caller) =>
        RenderCard<TransferCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller));

    [Fact]
    public async Task ShowsWhereAnImportComesFromAndHowFarItHasCome()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Alice, "incoming", totalBytes: 4_000_000);
        import.Report(1_000_000);

        var card = RenderTransfer(import.Image, Callers.Alice);

        var transfer = card.Find("[data-testid=transfer]");
        Assert.Contains("Importing from https://cloud.example.com/incoming.qcow2", transfer.TextContent);
        Assert.Contains($"{Format.Bytes(1_000_000)} of {Format.Bytes(4_000_000)}", transfer.TextContent);
        Assert.True(HasButton(card, "Cancel import"));
    }

    [Fact]
    public async Task CancelImportPutsAnImportThatHasNotStartedBackToQueued()
    {
        var image = await Harness.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "waiting", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/waiting.qcow2", DiskFormat = DiskFormat.Qcow2,
        });
        var card = RenderTransfer(image, Callers.Alice);

        Button(card, "Cancel import").Click();

        await card.WaitForAssertionAsync(async () =>
            Assert.Equal(ImageStatus.Queued, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).Status));
        Assert.Equal(ImageTransferService.ImportCancelledReason, (await Harness.Service.GetAsync(Callers.Alice, image.Id)).StatusReason);
        Assert.Contains(Snackbars, s => s.Message == "The import is being cancelled.");
    }

    [Fact]
    public async Task AnImportStillInItsAccountsLineSaysItIsWaitingForItsTurn()
    {
        var image = await Harness.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "in-line", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/in-line.qcow2", DiskFormat = DiskFormat.Qcow2,
        });

        var card = RenderTransfer(image, Callers.Alice);

        Assert.Equal(Portal.Images.Import.UrlImportQueue.WaitingForTurn, card.Find("[data-testid=import-waiting]").TextContent);
    }

    [Fact]
    public async Task ARunningImportDoesNotSayItIsWaiting()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Alice, "running", totalBytes: 4_000_000);

        var card = RenderTransfer(import.Image, Callers.Alice);

        Assert.Empty(card.FindAll("[data-testid=import-waiting]"));
    }

    [Fact]
    public async Task SomeoneWhoMayNotChangeTheImageSeesTheProgressWithoutCancel()
    {
        using var import = await ImportInProgress.StartAsync(Harness, Callers.Operator, "fedora-45", totalBytes: null, ImageVisibility.Public);

        var card = RenderTransfer(import.Image, Callers.Alice);

        Assert.NotNull(card.Find("[data-testid=transfer]"));
        Assert.False(HasButton(card, "Cancel import"));
    }

    [Fact]
    public async Task NothingShowsWhileNoDataIsArriving()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "done");

        var card = RenderTransfer(image, Callers.Alice);

        Assert.Empty(card.FindAll("[data-testid=transfer]"));
    }
}
