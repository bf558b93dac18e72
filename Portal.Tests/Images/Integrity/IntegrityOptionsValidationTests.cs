using Portal.Configuration;

namespace Portal.Tests.Images.Integrity;

/// <summary>A bad integrity setting stops the portal at start with a message naming it.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class IntegrityOptionsValidationTests
{
    private static IReadOnlyList<string> Errors(Action<IntegrityOptions> change)
    {
        var options = new PortalOptions();
        change(options.Integrity);
        return new PortalOptionsValidator().Validate(options).Errors.Select(e => e.ErrorMessage).ToList();
    }

    [Fact]
    public void TheDefaultsAndZeroesAreAccepted()
    {
        Assert.Empty(Errors(_ => { }));
        Assert.Empty(Errors(o => (o.IntervalHours, o.MaxBytesPerSecond) = (0, 0)));
    }

    [Fact]
    public void ANegativeIntervalOrRateIsRefusedWithItsName()
    {
        Assert.Contains("Portal:Integrity:IntervalHours", Assert.Single(Errors(o => o.IntervalHours = -1)));
        Assert.Contains("Portal:Integrity:MaxBytesPerSecond", Assert.Single(Errors(o => o.MaxBytesPerSecond = -5)));
    }
}
