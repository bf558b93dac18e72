using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Transfer;

/// <summary>The file name a browser saves a download under: the customer's free text made safe for a header and a disk.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageDownloadFileNameTests
{
    private static string FileNameOf(string name, DiskFormat format = DiskFormat.Qcow2) =>
        new ImageDownload(Image.Create(Callers.Alice, new NewImage(name, format), DateTime.UtcNow), Stream.Null).FileName;

    [Theory]
    [InlineData("Ubuntu 24.04 (dev)", "Ubuntu-24.04-dev.qcow2")]
    [InlineData("../../etc/passwd", "etc-passwd.qcow2")]
    [InlineData("a\"b;c\r\nd", "a-b-c-d.qcow2")]
    [InlineData("disk.qcow2", "disk.qcow2")]
    [InlineData("Grüße", "Gr-e.qcow2")]
    public void TheNameKeepsOnlySafeCharactersAndGetsTheFormatAsExtension(string name, string expected) =>
        Assert.Equal(expected, FileNameOf(name));

    [Fact]
    public void ANameWithNothingSafeFallsBackToTheImageId()
    {
        var image = Image.Create(Callers.Alice, new NewImage("日本語", DiskFormat.Iso), DateTime.UtcNow);

        Assert.Equal($"{image.Id:D}.iso", new ImageDownload(image, Stream.Null).FileName);
    }

    [Fact]
    public void ALongNameIsCut() => Assert.Equal(100 + ".raw".Length, FileNameOf(new string('x', 300), DiskFormat.Raw).Length);
}
