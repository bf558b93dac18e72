namespace Portal.Tests.Benchmarks;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ListBenchmarkOptionsTests
{
    [Fact]
    public void DefaultsToAHundredThousandImagesAgainstAHundredOnSqlite()
    {
        Assert.True(ListBenchmarkOptions.TryParse([], out var options, out _));

        Assert.Equal(new ListBenchmarkOptions(100_000, 100, 5, "sqlite"), options);
    }

    [Fact]
    public void ReadsCountsRoundsAndDatabase()
    {
        Assert.True(ListBenchmarkOptions.TryParse(
            ["--images", "20000", "--small", "200", "--rounds", "3", "--database", "postgresql"], out var options, out _));

        Assert.Equal(new ListBenchmarkOptions(20_000, 200, 3, "postgresql"), options);
    }

    [Theory]
    [InlineData("--images")]
    [InlineData("--images", "10")]
    [InlineData("--rounds", "0")]
    [InlineData("--database", "mysql")]
    [InlineData("--only", "list-scale")]
    public void RefusesAnUnknownOptionOrABadValue(params string[] args)
    {
        Assert.False(ListBenchmarkOptions.TryParse(args, out _, out var error));
        Assert.StartsWith("Unknown option or bad value", error);
    }

    [Fact]
    public void RefusesASmallAccountThatIsNotSmaller()
    {
        Assert.False(ListBenchmarkOptions.TryParse(["--images", "1000", "--small", "1000"], out _, out var error));
        Assert.Contains("--small < --images", error);
    }

    [Fact]
    public async Task ABadOptionPrintsTheUsageAndFails()
    {
        Assert.Equal(2, await Program.Main(["list-benchmark", "--database", "oracle"]));
    }
}
