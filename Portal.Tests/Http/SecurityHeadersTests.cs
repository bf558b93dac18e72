using Microsoft.AspNetCore.Hosting;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SecurityHeadersTests(PortalAppFactory app) : IClassFixture<PortalAppFactory>
{
    [Theory]
    [InlineData("/account/sign-in")]
    [InlineData("/compute/images")]
    [InlineData("/assets/js/portal.js")]
    public async Task EveryResponseForbidsSniffingFramingAndForeignScript(string path)
    {
        using var client = app.CreateBrowserLikeClient();

        using var response = await client.GetAsync(path);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("'unsafe-inline'", policy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PagesHaveNoInlineScript()
    {
        using var client = app.CreateBrowserLikeClient();

        var html = await client.GetStringAsync("/account/sign-in");

        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)[^>]*>", html);
    }
}

/// <summary>The portal told the one host name it is reached by.</summary>
public sealed class OneHostNameApp : PortalAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("AllowedHosts", "portal.example.com");
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class AllowedHostsTests(OneHostNameApp app) : IClassFixture<OneHostNameApp>
{
    [Theory]
    [InlineData("portal.example.com", System.Net.HttpStatusCode.OK)]
    [InlineData("evil.example", System.Net.HttpStatusCode.BadRequest)]
    public async Task OnlyTheConfiguredHostNamesAreAnswered(string host, System.Net.HttpStatusCode expected)
    {
        using var client = app.CreateBrowserLikeClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in");
        request.Headers.Host = host;

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }
}
