using Portal.Configuration;

namespace Portal.Tests.Images.RecentlyDeleted;

/// <summary>A bad restore window or scrub interval stops the portal at start with a message naming the setting.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class RecentlyDeletedOptionsValidationTests
{
    private static IReadOnlyList<string> Errors(Action<ImageLimitOptions> change)
    {
        var options = new PortalOptions();
        change(options.Images);
        return new PortalOptionsValidator().Validate(options).Errors.Select(e => e.ErrorMessage).ToList();
    }

    [Fact]
    public void TheDefaultsAreADayAndAQuarterOfAnHour()
    {
        var images = new PortalOptions().Images;
        Assert.Equal(TimeSpan.FromHours(24), images.RestoreWindow);
        Assert.Equal(15, images.ScrubIntervalMinutes);
        Assert.Empty(Errors(_ => { }));
        Assert.Empty(Errors(o => o.RestoreWindowHours = 0.5));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(10_000)]
    public void ARestoreWindowThatIsNotPositiveIsRefused(double hours) =>
        Assert.Contains("Portal:Images:RestoreWindowHours", Assert.Single(Errors(o => o.RestoreWindowHours = hours)));

    [Theory]
    [InlineData(0)]
    [InlineData(1441)]
    public void AScrubIntervalOutOfRangeIsRefused(int minutes) =>
        Assert.Contains("Portal:Images:ScrubIntervalMinutes", Assert.Single(Errors(o => o.ScrubIntervalMinutes = minutes)));
}
