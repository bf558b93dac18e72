using Portal.Formatting;

namespace Portal.Tests.Images.RecentlyDeleted;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class RecentlyDeletedFormatTests
{
    [Theory]
    [InlineData(0, "less than a minute")]
    [InlineData(59, "less than a minute")]
    [InlineData(60, "1 min")]
    [InlineData(59 * 60 + 59, "59 min")]
    [InlineData(3600, "1 h")]
    [InlineData(23 * 3600 + 12 * 60 + 30, "23 h 12 min")]
    [InlineData(47 * 3600 + 60, "47 h 1 min")]
    [InlineData(48 * 3600, "2 d")]
    [InlineData(75 * 3600 + 600, "3 d 3 h")]
    public void TimeLeftReadsToTheMinute(int seconds, string expected) =>
        Assert.Equal(expected, Format.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(24, "24 hours")]
    [InlineData(1, "1 hour")]
    [InlineData(1.5, "1.5 hours")]
    public void TheWindowReadsInHours(double hours, string expected) =>
        Assert.Equal(expected, Format.Hours(TimeSpan.FromHours(hours)));
}
