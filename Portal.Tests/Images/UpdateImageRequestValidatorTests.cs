using Portal.Images;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class UpdateImageRequestValidatorTests
{
    private readonly UpdateImageRequestValidator _validator = new();

    private static UpdateImageRequest Valid() => new() { Name = "web", Description = "d", OsDistro = "ubuntu", OsVersion = "24.04", MinDiskGb = 10, MinRamMb = 512 };

    [Fact]
    public void ValidRequestPasses() => Assert.True(_validator.Validate(Valid()).IsValid);

    [Theory]
    [InlineData("", "Give the image a name.")]
    [InlineData("   ", "Give the image a name.")]
    [InlineData("line\nbreak", "control characters")]
    [InlineData("tab\there", "control characters")]
    public void BadNamesAreRefused(string name, string message)
    {
        var request = Valid();
        request.Name = name;

        var result = _validator.Validate(request);

        Assert.Contains(result.Errors, e => e.PropertyName == nameof(UpdateImageRequest.Name) && e.ErrorMessage.Contains(message));
    }

    [Fact]
    public void NameOf255CharactersPassesAnd256IsRefused()
    {
        var request = Valid();
        request.Name = new string('n', 255);
        Assert.True(_validator.Validate(request).IsValid);

        request.Name = new string('n', 256);
        Assert.Contains(_validator.Validate(request).Errors, e => e.ErrorMessage.Contains("at most 255"));
    }

    [Fact]
    public void DescriptionOver255IsRefused()
    {
        var request = Valid();
        request.Description = new string('d', 256);

        Assert.Contains(_validator.Validate(request).Errors, e => e.PropertyName == nameof(UpdateImageRequest.Description));
    }

    [Theory]
    [InlineData(-1, 0, nameof(UpdateImageRequest.MinDiskGb))]
    [InlineData(0, -1, nameof(UpdateImageRequest.MinRamMb))]
    [InlineData(65_537, 0, nameof(UpdateImageRequest.MinDiskGb))]
    [InlineData(0, 4_194_305, nameof(UpdateImageRequest.MinRamMb))]
    public void MinimumsOutsideSaneLimitsAreRefused(int disk, int ram, string property)
    {
        var request = Valid();
        request.MinDiskGb = disk;
        request.MinRamMb = ram;

        Assert.Contains(_validator.Validate(request).Errors, e => e.PropertyName == property);
    }

    [Fact]
    public void ZeroMinimumsPass()
    {
        var request = Valid();
        request.MinDiskGb = 0;
        request.MinRamMb = 0;

        Assert.True(_validator.Validate(request).IsValid);
    }
}
