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
    [InlineData("decompress")]
    [InlineData("parallel")]
    [InlineData("import")]
    [InlineData("objectstore")]
    [InlineData("glance")]
    [InlineData("circuits")]
    public void OnlyNamesOneLeg(string leg)
    {
        Assert.True(UploadBenchmarkOptions.TryParse(["--only", leg, "--rounds", "2"], out var options, out _));

        Assert.Equal(leg, options.Only);
        Assert.Equal(leg == "decompress", options.DecompressOnly);
        Assert.Equal(2, options.Rounds);
    }

    [Fact]
    public void WithoutOnlyEveryLegRuns()
    {
        Assert.True(UploadBenchmarkOptions.TryParse(["--rounds", "2"], out var options, out _));

        Assert.Null(options.Only);
        Assert.False(options.DecompressOnly);
        Assert.Equal(["parallel", "import", "objectstore", "glance", "circuits"], PeerAndLoadLegs.Names);
    }

    [Fact]
    public void EachLegKeepsItsOwnSizeUnlessASizeIsGiven()
    {
        Assert.True(UploadBenchmarkOptions.TryParse(["--only", "parallel"], out var defaults, out _));
        Assert.True(UploadBenchmarkOptions.TryParse(["--only", "parallel", "--size-gib", "0.5"], out var given, out _));

        Assert.Equal(ParallelUploadLeg.DefaultBytes, defaults.BytesOr(ParallelUploadLeg.DefaultBytes));
        Assert.Equal(UrlImportLeg.DefaultBytes, defaults.BytesOr(UrlImportLeg.DefaultBytes));
        Assert.Equal(1L << 29, given.BytesOr(ParallelUploadLeg.DefaultBytes));
        Assert.Equal(1L << 29, given.BytesOr(GlanceLeg.DefaultBytes));
    }

    [Theory]
    [InlineData("--only")]
    [InlineData("--only", "everything")]
    [InlineData("--only", "Parallel")]
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
