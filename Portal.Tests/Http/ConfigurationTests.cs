using Microsoft.AspNetCore.Hosting;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ConfigurationTests
{
    private sealed class MisconfiguredApp(string key, string value) : PortalAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting(key, value);
        }
    }

    [Fact]
    public void DataDirectoryThatIsAFileStopsTheAppWithAClearMessage()
    {
        var file = Path.GetTempFileName();
        try
        {
            using var app = new MisconfiguredApp("Portal:DataDirectory", file);

            var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

            Assert.Contains("Portal:DataDirectory", failure.Message);
            Assert.Contains("is not a writable folder", failure.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void NonPositiveMaximumImageSizeStopsTheAppWithAClearMessage()
    {
        using var app = new MisconfiguredApp("Portal:Images:MaxImageSizeBytes", "0");

        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Portal:Images:MaxImageSizeBytes must be a positive number of bytes.", failure.Message);
    }

    [Fact]
    public void AKnownProxyThatIsNotAnIpAddressStopsTheAppWithAClearMessage()
    {
        using var app = new MisconfiguredApp("Portal:ForwardedHeaders:KnownProxies:0", "proxy.example");

        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Portal:ForwardedHeaders:KnownProxies must list IP addresses ('proxy.example' is not one).", failure.Message);
    }

    [Fact]
    public void ADeniedNetworkThatIsNotCidrStopsTheAppWithAClearMessage()
    {
        using var app = new MisconfiguredApp("Portal:Import:DeniedNetworks:0", "203.0.113.0/33");

        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Portal:Import:DeniedNetworks must list networks in CIDR form, such as 203.0.113.0/24.", failure.Message);
    }

    [Fact]
    public async Task DemoUsersCanBeSwitchedOff()
    {
        using var app = new MisconfiguredApp("Portal:Demo:SeedUsers", "false");
        using var client = app.CreateBrowserLikeClient();

        using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);

        Assert.StartsWith("/account/sign-in?error=invalid", response.Headers.Location!.OriginalString);
    }
}
