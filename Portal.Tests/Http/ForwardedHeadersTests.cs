using System.Net;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The portal behind a reverse proxy on 127.0.0.1 that it is told to believe, with a low sign-in limit.</summary>
public sealed class BehindKnownProxyPortal : KestrelPortal
{
    public const int Limit = 2;

    public override Task InitializeAsync()
    {
        With("Portal:ForwardedHeaders:KnownProxies:0", "127.0.0.1");
        With("Portal:SignIn:PermitLimit", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return base.InitializeAsync();
    }
}

/// <summary>The same portal reached directly: no proxy configured, so nobody's X-Forwarded-* headers count.</summary>
public sealed class NoKnownProxyPortal : KestrelPortal
{
    public const int Limit = 2;

    public override Task InitializeAsync()
    {
        With("Portal:SignIn:PermitLimit", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return base.InitializeAsync();
    }
}

/// <summary>
/// Requests arrive over real HTTP on loopback, as from a proxy: the client address and scheme the proxy forwards are
/// believed only when the proxy is configured (Portal:ForwardedHeaders:KnownProxies). The scheme decides whether the
/// sign-in cookie is marked secure (the tests' portal sets it "as the request"), the address whose sign-in limit counts.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ForwardedHeadersTests(BehindKnownProxyPortal proxied) : IClassFixture<BehindKnownProxyPortal>
{
    [Fact]
    public async Task TheSchemeAKnownProxyForwardsIsBelieved()
    {
        using var client = ForwardedClient.For(proxied.BaseAddress, "203.0.113.10", "https");

        using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);

        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
        Assert.Contains("; secure", ForwardedClient.AuthCookie(response), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EachClientBehindAKnownProxyHasItsOwnSignInLimit()
    {
        using var spraying = ForwardedClient.For(proxied.BaseAddress, "203.0.113.20", "http");
        for (var attempt = 0; attempt < BehindKnownProxyPortal.Limit; attempt++)
        {
            using var failed = await PortalAppFactory.PostSignInAsync(spraying, $"nobody{attempt}@demo.local", "guess");
            Assert.StartsWith("/account/sign-in?error=invalid", failed.Headers.Location!.OriginalString);
        }

        using var refused = await PortalAppFactory.PostSignInAsync(spraying, "alice@demo.local", PortalAppFactory.DemoPassword);
        Assert.StartsWith("/account/sign-in?error=toomanyattempts", refused.Headers.Location!.OriginalString);

        // Another customer behind the same proxy is not locked out by the first one's attempts.
        using var neighbour = ForwardedClient.For(proxied.BaseAddress, "203.0.113.21", "http");
        using var signedIn = await PortalAppFactory.PostSignInAsync(neighbour, "alice@demo.local", PortalAppFactory.DemoPassword);
        Assert.Equal("/compute/images", signedIn.Headers.Location?.OriginalString);
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UnknownProxyHeadersTests(NoKnownProxyPortal direct) : IClassFixture<NoKnownProxyPortal>
{
    [Fact]
    public async Task ForwardedHeadersFromAnUnknownSenderChangeNeitherTheSchemeNorTheClient()
    {
        // A client that makes up a new address for every attempt still spends its own address's allowance.
        var answers = new List<string>();
        for (var attempt = 0; attempt <= NoKnownProxyPortal.Limit; attempt++)
        {
            using var client = ForwardedClient.For(direct.BaseAddress, $"198.51.100.{attempt + 1}", "https");
            using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);
            answers.Add(response.Headers.Location!.OriginalString);
            if (attempt == 0)
            {
                // The claimed https is not believed either: the cookie follows the real (plain http) request.
                Assert.DoesNotContain("; secure", ForwardedClient.AuthCookie(response), StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.Equal(Enumerable.Repeat("/compute/images", NoKnownProxyPortal.Limit), answers.Take(NoKnownProxyPortal.Limit));
        Assert.StartsWith("/account/sign-in?error=toomanyattempts", answers[^1]);
    }
}

/// <summary>A real HTTP client whose every request carries the X-Forwarded-For/-Proto a proxy would add.</summary>
internal static class ForwardedClient
{
    public static HttpClient For(Uri baseAddress, string clientAddress, string scheme)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = baseAddress,
        };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", scheme);
        return client;
    }

    public static string AuthCookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
}
