using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

/// <summary>"Cancel import" clicked on one instance stops the import another instance runs.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class CancelAcrossInstancesTests : IDisposable
{
    private readonly ImageServiceHarness _a = new();
    private readonly ImageServiceHarness _b;

    public CancelAcrossInstancesTests() => _b = new ImageServiceHarness(_a);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    [Fact]
    public async Task ACancelOnBStopsTheImportRunningOnAAtItsNextHeartbeatAndNamesWhoAsked()
    {
        var image = await _a.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "imported-on-a", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/disk.img", DiskFormat = DiskFormat.Raw,
        });
        var claim = await _a.Imports.TryTakeAsync(CancellationToken.None);
        Assert.Equal(image.Id, claim?.ImageId);
        using var running = _a.ActiveTransfers.Register(image.Id, _a.Clock.GetUtcNow().UtcDateTime, CancellationToken.None);

        await _b.Service.CancelImportAsync(Callers.Alice, image.Id);

        // B does not run it, so B neither stops it nor puts the image back itself: A does, as its transfer stops.
        Assert.Equal(ImageStatus.Importing, (await _b.Service.GetAsync(Callers.Alice, image.Id)).Status);
        Assert.False(running.Token.IsCancellationRequested);
        await _a.Get<TransferHeartbeat>().BeatAsync(CancellationToken.None);
        Assert.True(running.Token.IsCancellationRequested);
        Assert.True(running.CancelledByUser);
        Assert.Equal(Callers.Alice, running.CancelledBy);
    }

    [Fact]
    public async Task ACancelOfAnImportNobodyRunsPutsItBackAtOnce()
    {
        var image = await _a.Service.CreateAsync(Callers.Alice, new CreateImageRequest
        {
            Name = "waiting", Source = ImageSource.Url, ImageUrl = "https://cloud.example.com/disk.img", DiskFormat = DiskFormat.Raw,
        });

        await _b.Service.CancelImportAsync(Callers.Alice, image.Id);

        var stored = await _a.Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal((ImageStatus.Queued, ImageTransferService.ImportCancelledReason), (stored.Status, stored.StatusReason));
        Assert.False(await _a.Imports.IsWaitingAsync(image.Id));
    }
}
