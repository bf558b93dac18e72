using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Configuration;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Transfer;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class UploadTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly Guid _image = Guid.NewGuid();

    private UploadTokens Tokens(int? lifetimeMinutes = null)
    {
        var options = new PortalOptions();
        if (lifetimeMinutes is { } minutes)
        {
            options.Images.UploadTokenLifetimeMinutes = minutes;
        }

        return new UploadTokens(new EphemeralDataProtectionProvider(), _clock, Options.Create(options));
    }

    [Fact]
    public void ATokenStartsAnUploadForTenMinutesByDefaultThenNoMore()
    {
        var tokens = Tokens();
        var token = tokens.Issue(_image, Callers.Alice);

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(tokens.IsValid(token, _image, Callers.Alice));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(tokens.IsValid(token, _image, Callers.Alice));
        Assert.True(tokens.IsValid(tokens.Issue(_image, Callers.Alice), _image, Callers.Alice));
    }

    [Fact]
    public void TheLifetimeIsConfigurable()
    {
        var tokens = Tokens(lifetimeMinutes: 2);
        var token = tokens.Issue(_image, Callers.Alice);

        _clock.Advance(TimeSpan.FromMinutes(3));

        Assert.False(tokens.IsValid(token, _image, Callers.Alice));
    }

    [Fact]
    public void ATokenIsBoundToItsImageAndCaller()
    {
        var tokens = Tokens();
        var token = tokens.Issue(_image, Callers.Alice);

        Assert.False(tokens.IsValid(token, Guid.NewGuid(), Callers.Alice));
        Assert.False(tokens.IsValid(token, _image, Callers.Bob));
        Assert.False(tokens.IsValid(token + "x", _image, Callers.Alice));
        Assert.False(tokens.IsValid(null, _image, Callers.Alice));
    }
}
