using Portal.Accounts;
using Portal.Images;
using Portal.Images.Transfer;

namespace Portal.Tests.Support;

/// <summary>
/// A URL import running as the pages see it: the image importing, its progress in ActiveTransfers and announced
/// through ImageEvents, as the transfer service does; nothing is downloaded.
/// </summary>
public sealed class ImportInProgress : IDisposable
{
    private readonly ImageServiceHarness _harness;
    private readonly ActiveTransfers.Registration _registration;

    private ImportInProgress(ImageServiceHarness harness, Image image, long? totalBytes)
    {
        _harness = harness;
        Image = image;
        _registration = harness.ActiveTransfers.Register(image.Id, harness.Clock.GetUtcNow().UtcDateTime, CancellationToken.None);
        _registration.ExpectTotal(totalBytes);
    }

    public Image Image { get; }

    public static async Task<ImportInProgress> StartAsync(ImageServiceHarness harness, Caller owner, string name, long? totalBytes,
        ImageVisibility visibility = ImageVisibility.Private)
    {
        var image = await harness.Service.CreateAsync(owner, new CreateImageRequest
        {
            Name = name,
            Source = ImageSource.Url,
            ImageUrl = $"https://cloud.example.com/{name}.qcow2",
            DiskFormat = DiskFormat.Qcow2,
            Visibility = visibility,
        });
        return new ImportInProgress(harness, image, totalBytes);
    }

    public void Report(long bytes)
    {
        _registration.Report(bytes);
        _harness.Events.Publish(ImageChange.Of(Image, _registration.Progress));
    }

    public void Dispose() => _registration.Dispose();
}
