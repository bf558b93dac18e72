using Microsoft.Extensions.Options;
using Portal.Images.Import;

namespace Portal.Tests.Images.Import;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class RedirectTargetTests
{
    private static readonly ImportUrlPolicy Policy = new(Options.Create(new ImportOptions()));
    private static readonly Uri Current = new("https://images.example.com/releases/noble/latest.img");

    [Theory]
    [InlineData("current.img", "https://images.example.com/releases/noble/current.img")]
    [InlineData("../jammy/x.img", "https://images.example.com/releases/jammy/x.img")]
    [InlineData("/mirror/x.img", "https://images.example.com/mirror/x.img")]
    [InlineData("//mirror.example.org/x.img", "https://mirror.example.org/x.img")]
    [InlineData("https://cdn.example.net/x.img?sig=abc", "https://cdn.example.net/x.img?sig=abc")]
    public void Resolves_the_location_against_the_current_url(string location, string expected)
    {
        Assert.Equal(expected, UrlDownloader.FollowRedirect(Policy, Current, location).AbsoluteUri);
    }

    [Theory]
    [InlineData("http://10.0.0.1/", "private network")]
    [InlineData("//169.254.169.254/latest/meta-data/", "private network")]
    [InlineData("http://2130706433/", "decimal, hex or octal")]
    [InlineData("http://localhost/", "portal's own servers")]
    [InlineData("file:///etc/passwd", "Only http and https")]
    [InlineData("https://example.com:8443/x.img", "Port 8443")]
    [InlineData("http://images.example.com/releases/noble/latest.img", "https to plain http")]
    [InlineData("", "no valid target")]
    [InlineData(null, "no valid target")]
    public void Refuses_a_location_that_could_not_be_imported_directly(string? location, string reason)
    {
        var failure = Assert.Throws<ImportFailedException>(() => UrlDownloader.FollowRedirect(Policy, Current, location));

        Assert.True(failure.Permanent);
        Assert.Contains(reason, failure.Message);
    }
}
