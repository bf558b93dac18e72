namespace Portal.Tests.Benchmarks;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class UploadBenchmarkOptionsTests
{
    [Fact]
    public void DefaultsToTwoGibibytesAndThreeRounds()
    {
        Assert.True(UploadBenchmarkOptions.TryParse([], out var options, out _));

        Assert.Equal(2L << 30, options.Bytes);
        Assert.Equal(3, options.Rounds);
    }

    [Fact]
    public void ReadsSizeAndRounds()
    {
        Assert.True(UploadBenchmarkOptions.TryParse(["--size-gib", "0.5", "--rounds", "5"], out var options, out _));

        Assert.Equal(1L << 29, options.Bytes);
        Assert.Equal(5, options.Rounds);
    }

    [Theory]
    [InlineData("--size-gib")]
    [InlineData("--size-gib", "0")]
    [InlineData("--rounds", "many")]
    [InlineData("--size", "2")]
    public void RefusesAnUnknownOptionOrABadValue(params string[] args)
    {
        Assert.False(UploadBenchmarkOptions.TryParse(args, out _, out var error));
        Assert.StartsWith("Unknown option or bad value", error);
    }

    [Fact]
    public async Task WithoutABenchmarkNameTheProgramPrintsItsUsageAndFails()
    {
        Assert.Equal(2, await Program.Main([]));
    }
}
