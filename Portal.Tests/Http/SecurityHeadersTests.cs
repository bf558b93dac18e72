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

/// <summary>The portal as it runs outside Development: the sign-in cookie only travels over HTTPS.</summary>
public sealed class SecureCookieApp : PortalAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:SignIn:SecureCookie", "true");
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SecureCookieTests(SecureCookieApp app) : IClassFixture<SecureCookieApp>
{
    [Fact]
    public async Task TheSignInCookieIsMarkedSecureByDefault()
    {
        using var client = app.CreateBrowserLikeClient();

        using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TheDefaultOfTheSettingIsSecure() => Assert.True(new Portal.Configuration.PortalOptions().SignIn.SecureCookie);
}
