namespace Portal.Tests.ScaleDemo;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ScaleDemoOptionsTests
{
    [Fact]
    public void DefaultsToThePortalFolderHereAndPorts5101And5102()
    {
        Assert.True(ScaleDemoOptions.TryParse([], out var options, out _));

        Assert.Equal(new ScaleDemoOptions(Path.GetFullPath("Portal"), 5101), options);
    }

    [Fact]
    public void ReadsTheFolderAndTheFirstPort()
    {
        Assert.True(ScaleDemoOptions.TryParse(["--portal", "/srv/portal/Portal", "--port", "6101"], out var options, out _));

        Assert.Equal(new ScaleDemoOptions("/srv/portal/Portal", 6101), options);
    }

    [Theory]
    [InlineData("--port")]
    [InlineData("--port", "80")]
    [InlineData("--port", "65535")]
    [InlineData("--port", "51o1")]
    [InlineData("--portal", "")]
    [InlineData("--instances", "3")]
    public void RefusesAnUnknownOptionOrABadValue(params string[] args)
    {
        Assert.False(ScaleDemoOptions.TryParse(args, out _, out var error));
        Assert.StartsWith("Unknown option or bad value", error);
    }
}
