using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SignInTests : IClassFixture<PortalAppFactory>
{
    private readonly PortalAppFactory _app;

    public SignInTests(PortalAppFactory app) => _app = app;

    [Theory]
    [InlineData("/compute/images")]
    [InlineData("/compute/images/00000000-0000-0000-0000-000000000001")]
    public async Task ComputePagesRedirectToSignInWhenSignedOut(string path)
    {
        using var client = _app.CreateBrowserLikeClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains("/account/sign-in", location);
        Assert.Contains(Uri.EscapeDataString(path), location);
    }

    [Fact]
    public async Task SignInPageHasTheLabelledFieldsAndButton()
    {
        using var client = _app.CreateBrowserLikeClient();

        var html = await client.GetStringAsync("/account/sign-in");

        Assert.Contains(">Email<", html.Replace("*", ""));
        Assert.Contains(">Password<", html.Replace("*", ""));
        Assert.Contains("Sign in", html);
        Assert.Contains("name=\"Email\"", html);
        Assert.Contains("name=\"Password\"", html);
    }

    [Fact]
    public async Task DemoCustomerSignsInAndSeesTheImagesPage()
    {
        using var client = await _app.SignedInClientAsync("alice@demo.local");

        using var response = await client.GetAsync("/compute/images");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Private images", html);
        Assert.Contains("Public images", html);
        Assert.Contains("alice@demo.local", html);
    }

    [Fact]
    public async Task SignInReturnsToTheLocalPageAskedFor()
    {
        using var client = _app.CreateBrowserLikeClient();

        using var response = await PortalAppFactory.PostSignInAsync(client, "bob@demo.local", PortalAppFactory.DemoPassword, "/compute/images?tab=public");

        Assert.Equal("/compute/images?tab=public", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignInNeverRedirectsToAnotherSite()
    {
        using var client = _app.CreateBrowserLikeClient();

        using var response = await PortalAppFactory.PostSignInAsync(client, "bob@demo.local", PortalAppFactory.DemoPassword, "//evil.example/steal");

        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task WrongPasswordAndUnknownEmailGetTheSameAnswer()
    {
        using var client = _app.CreateBrowserLikeClient();

        using var wrongPassword = await PortalAppFactory.PostSignInAsync(client, "bob@demo.local", "not-the-password");
        using var unknownEmail = await PortalAppFactory.PostSignInAsync(client, "nobody@demo.local", "not-the-password");

        static string Error(HttpResponseMessage r) => r.Headers.Location!.OriginalString.Split('&')[0];
        Assert.Equal("/account/sign-in?error=invalid", Error(wrongPassword));
        Assert.Equal(Error(wrongPassword), Error(unknownEmail));

        var page = await client.GetStringAsync(wrongPassword.Headers.Location!.OriginalString);
        Assert.Contains("Wrong email or password.", page);
    }

    [Fact]
    public async Task ALockedAccountGetsTheWrongPasswordAnswerEvenForTheRightPassword()
    {
        using var client = _app.CreateBrowserLikeClient();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var failed = await PortalAppFactory.PostSignInAsync(client, "operator@demo.local", "guess-" + attempt);
        }

        using var wrongPassword = await PortalAppFactory.PostSignInAsync(client, "operator@demo.local", "guess-again");
        using var rightPassword = await PortalAppFactory.PostSignInAsync(client, "operator@demo.local", PortalAppFactory.DemoPassword);

        Assert.Equal(wrongPassword.Headers.Location!.OriginalString, rightPassword.Headers.Location!.OriginalString);
        Assert.StartsWith("/account/sign-in?error=invalid", rightPassword.Headers.Location!.OriginalString);
        var page = await client.GetStringAsync(rightPassword.Headers.Location!.OriginalString);
        Assert.Contains("Wrong email or password.", page);
        Assert.DoesNotContain("lock", page, StringComparison.OrdinalIgnoreCase);
        using var images = await client.GetAsync("/compute/images");
        Assert.Equal(HttpStatusCode.Redirect, images.StatusCode);
    }

    [Fact]
    public async Task SignInWithoutTheAntiforgeryTokenSignsNobodyIn()
    {
        using var client = _app.CreateBrowserLikeClient();

        using var response = await client.PostAsync("/account/sign-in/submit", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "alice@demo.local",
            ["Password"] = PortalAppFactory.DemoPassword,
        }));

        Assert.StartsWith("/account/sign-in?error=expired", response.Headers.Location!.OriginalString);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        Assert.DoesNotContain(cookies, c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        using var images = await client.GetAsync("/compute/images");
        Assert.Equal(HttpStatusCode.Redirect, images.StatusCode);
    }
    [Theory]
    [InlineData(null)]
    [InlineData("CfDJ8-stale-token-from-a-page-left-open")]
    public async Task SignOutWithoutAValidAntiforgeryTokenIsABadRequest(string? token)
    {
        using var client = await _app.SignedInClientAsync("bob@demo.local");
        var fields = new Dictionary<string, string>();
        if (token is not null)
        {
            fields["__RequestVerificationToken"] = token;
        }

        using var response = await client.PostAsync("/account/sign-out", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var images = await client.GetAsync("/compute/images");
        Assert.Equal(HttpStatusCode.OK, images.StatusCode);
    }

    [Theory]
    [InlineData("/\t/evil.example/")]
    [InlineData("/\n/evil.example/")]
    [InlineData("/\r\n/evil.example/")]
    public async Task SignInTreatsAReturnUrlWithControlCharactersAsNotLocal(string returnUrl)
    {
        using var client = _app.CreateBrowserLikeClient();

        using var response = await PortalAppFactory.PostSignInAsync(client, "bob@demo.local", PortalAppFactory.DemoPassword, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
    }
}


/// <summary>The portal with the sign-in limit low enough to reach in a test.</summary>
public sealed class LowSignInLimitApp : PortalAppFactory
{
    public const int Limit = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:SignIn:PermitLimit", Limit.ToString(CultureInfo.InvariantCulture));
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SignInRateLimitTests(LowSignInLimitApp app) : IClassFixture<LowSignInLimitApp>
{
    [Fact]
    public async Task SignInPostsBeyondTheLimitAreTurnedAwayEvenWithTheRightPassword()
    {
        using var client = app.CreateBrowserLikeClient();
        for (var attempt = 0; attempt < LowSignInLimitApp.Limit; attempt++)
        {
            using var failed = await PortalAppFactory.PostSignInAsync(client, $"nobody{attempt}@demo.local", "guess");
            Assert.StartsWith("/account/sign-in?error=invalid", failed.Headers.Location!.OriginalString);
        }

        using var response = await PortalAppFactory.PostSignInAsync(client, "alice@demo.local", PortalAppFactory.DemoPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in?error=toomanyattempts", response.Headers.Location!.OriginalString);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        Assert.DoesNotContain(cookies, c => c.StartsWith("portal.auth=", StringComparison.Ordinal));
        var page = await client.GetStringAsync(response.Headers.Location!.OriginalString);
        Assert.Contains("Too many attempts, wait a minute", page);
    }

    [Fact]
    public async Task TokenRequestsHaveTheirOwnPerClientLimitAnsweredInKeystonesShape()
    {
        using var client = app.CreateClient();
        var statuses = new List<HttpStatusCode>();
        string? lastBody = null;
        for (var attempt = 0; attempt <= LowSignInLimitApp.Limit; attempt++)
        {
            using var response = await client.PostAsync("/identity/v3/auth/tokens",
                Portal.Tests.Identity.IdentityPortal.AuthRequest(Guid.NewGuid().ToString("N"), "guess"));
            statuses.Add(response.StatusCode);
            lastBody = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, LowSignInLimitApp.Limit), statuses.Take(LowSignInLimitApp.Limit));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        var error = System.Text.Json.JsonDocument.Parse(lastBody!).RootElement.GetProperty("error");
        Assert.Equal(Portal.Extensions.SignInRateLimit.TooManyTokenRequests, error.GetProperty("message").GetString());
    }
}
