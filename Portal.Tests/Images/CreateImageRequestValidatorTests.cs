using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Images;
using Portal.Images.Import;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class CreateImageRequestValidatorTests
{
    private const long MaxSize = 1L << 40;

    private readonly CreateImageRequestValidator _validator = new(
        Options.Create(new PortalOptions { Images = { MaxImageSizeBytes = MaxSize } }),
        new ImportUrlPolicy(Options.Create(new ImportOptions())));

    private static CreateImageRequest FileRequest() => new()
    {
        Name = "web-server",
        Source = ImageSource.File,
        FileName = "web.qcow2",
        FileSize = 5L << 30,
        DiskFormat = DiskFormat.Qcow2,
        OsDistro = "ubuntu",
        OsVersion = "24.04",
    };

    private static CreateImageRequest UrlRequest(string url) => new()
    {
        Name = "from-url",
        Source = ImageSource.Url,
        ImageUrl = url,
        DiskFormat = DiskFormat.Qcow2,
    };

    private IReadOnlyList<string> Errors(CreateImageRequest request, Caller? caller = null) =>
        _validator.Validate(CreateImageRequestValidator.ContextFor(request, caller ?? Callers.Alice)).Errors.Select(e => e.ErrorMessage).ToList();

    [Fact]
    public void ValidFileRequestPasses() => Assert.Empty(Errors(FileRequest()));

    [Fact]
    public void ValidUrlRequestPasses() => Assert.Empty(Errors(UrlRequest("https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img")));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void NameIsRequired(string name)
    {
        var request = FileRequest();
        request.Name = name;
        Assert.Contains("Give the image a name.", Errors(request));
    }

    [Fact]
    public void NameWithControlCharactersIsRefusedAnd255CharactersPass()
    {
        var request = FileRequest();
        request.Name = "bad\u0007bell";
        Assert.Contains(Errors(request), e => e.Contains("control characters"));

        request.Name = new string('a', 255);
        Assert.Empty(Errors(request));
        request.Name = new string('a', 256);
        Assert.Contains(Errors(request), e => e.Contains("at most 255"));
    }

    [Fact]
    public void DescriptionIsLimitedTo255()
    {
        var request = FileRequest();
        request.Description = new string('d', 255);
        Assert.Empty(Errors(request));
        request.Description = new string('d', 256);
        Assert.Contains(Errors(request), e => e.Contains("description"));
    }

    [Fact]
    public void FileIsRequiredWhenSourceIsFile()
    {
        var request = FileRequest();
        request.FileName = null;
        request.FileSize = null;
        Assert.Contains("Choose an image file to upload.", Errors(request));
    }

    [Fact]
    public void EmptyFileIsRefused()
    {
        var request = FileRequest();
        request.FileSize = 0;
        Assert.Contains("The chosen file is empty.", Errors(request));
    }

    [Fact]
    public void FileLargerThanTheMaximumIsRefusedAndTheMaximumPasses()
    {
        var request = FileRequest();
        request.FileSize = MaxSize;
        Assert.Empty(Errors(request));
        request.FileSize = MaxSize + 1;
        Assert.Contains(Errors(request), e => e.Contains("larger than the largest image accepted"));
    }

    [Fact]
    public void UrlIsNotNeededForAFileAndFileIsNotNeededForAUrl()
    {
        var file = FileRequest();
        file.ImageUrl = null;
        Assert.Empty(Errors(file));

        var url = UrlRequest("https://example.com/image.qcow2");
        url.FileName = null;
        Assert.Empty(Errors(url));
    }

    [Theory]
    [InlineData("", "Enter the URL of the image.")]
    [InlineData("example.com/image.img", "Enter a full URL that starts with https:// or http://.")]
    [InlineData("/relative/image.img", "Enter a full URL that starts with https:// or http://.")]
    [InlineData("ftp://example.com/image.img", "Only http and https URLs can be imported.")]
    [InlineData("file:///etc/passwd", "Only http and https URLs can be imported.")]
    public void UrlMustBeAbsoluteHttpOrHttps(string url, string message) =>
        Assert.Contains(message, Errors(UrlRequest(url)));

    [Fact]
    public void UrlIsLimitedTo2048Characters()
    {
        var prefix = "https://example.com/";
        Assert.Empty(Errors(UrlRequest(prefix + new string('a', 2048 - prefix.Length))));
        Assert.Contains(Errors(UrlRequest(prefix + new string('a', 2049 - prefix.Length))), e => e.Contains("2048"));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/image.img")]
    [InlineData("http://[::1]/image.img")]
    [InlineData("http://example.com:8080/image.img")]
    public void UrlThatTheImporterWouldRefuseIsRefusedInTheForm(string url) => Assert.NotEmpty(Errors(UrlRequest(url)));

    [Fact]
    public void DiskFormatIsRequiredAndMustBeKnown()
    {
        var request = FileRequest();
        request.DiskFormat = null;
        Assert.Contains("Choose the disk format.", Errors(request));
        request.DiskFormat = (DiskFormat)99;
        Assert.Contains("Choose one of the listed disk formats.", Errors(request));
    }

    [Theory]
    [InlineData("aarch64")]
    [InlineData("")]
    public void OnlyX86_64Passes(string architecture)
    {
        var request = FileRequest();
        request.Architecture = architecture;
        Assert.Contains("This platform only runs x86_64 images.", Errors(request));
    }

    [Theory]
    [InlineData(ImageVisibility.Public)]
    [InlineData(ImageVisibility.Community)]
    [InlineData(ImageVisibility.Shared)]
    public void CustomerCanOnlyCreatePrivateImages(ImageVisibility visibility)
    {
        var request = FileRequest();
        request.Visibility = visibility;
        Assert.Contains("Customers can only upload private images.", Errors(request, Callers.Alice));
    }

    [Theory]
    [InlineData(ImageVisibility.Public)]
    [InlineData(ImageVisibility.Private)]
    public void OperatorMayChooseAnyVisibility(ImageVisibility visibility)
    {
        var request = FileRequest();
        request.Visibility = visibility;
        Assert.Empty(Errors(request, Callers.Operator));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    [InlineData(65_537, 0)]
    [InlineData(0, 4_194_305)]
    public void MinimumsMustBeWithinSaneLimits(int disk, int ram)
    {
        var request = FileRequest();
        request.MinDiskGb = disk;
        request.MinRamMb = ram;
        Assert.NotEmpty(Errors(request));
    }

    [Fact]
    public void MinimumsAtTheirLimitsPass()
    {
        var request = FileRequest();
        request.MinDiskGb = 65_536;
        request.MinRamMb = 4_194_304;
        Assert.Empty(Errors(request));
    }
}
