using Bunit;
using Portal.Images;
using Portal.Images.Components;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageStatusChipTests : PortalComponentTest
{
    private static readonly DateTime Started = new(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc);

    private string TextOf(ImageStatus status, TransferProgress progress) =>
        Render<ImageStatusChip>(p => p.Add(c => c.Status, status).Add(c => c.Progress, progress)).Find(".portal-status-chip").TextContent.Trim();

    [Fact]
    public void ImportOfACompressedFileShowsTheShareDownloadedAndBothFigures() =>
        Assert.Equal(
            "Importing 25% · 500 MB downloaded · 1.5 GB written",
            TextOf(ImageStatus.Importing, new TransferProgress(1_500_000_000, 2_000_000_000, Started, SentBytes: 500_000_000)));

    [Fact]
    public void UploadOfACompressedFileSaysSent() =>
        Assert.Contains("500 MB sent · 1.5 GB written",
            TextOf(ImageStatus.Saving, new TransferProgress(1_500_000_000, 2_000_000_000, Started, SentBytes: 500_000_000)));

    [Fact]
    public void DataStoredAsSentShowsThePercentOnly() =>
        Assert.Equal("Saving 75%", TextOf(ImageStatus.Saving, new TransferProgress(1_500_000_000, 2_000_000_000, Started)));
}
