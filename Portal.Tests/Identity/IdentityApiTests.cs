using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Portal.Identity;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Identity;

/// <summary>The portal on a real port and a clock the tests move; no public URL configured (the listening address is used).</summary>
public sealed class IdentityPortal : KestrelPortal
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    public static StringContent AuthRequest(string? id, string? secret, string method = IdentityEndpoints.ApplicationCredentialMethod) =>
        new(JsonSerializer.Serialize(new
        {
            auth = new { identity = new { methods = new[] { method }, application_credential = new { id, secret } } },
        }), Encoding.UTF8, "application/json");
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class IdentityApiTests(IdentityPortal portal) : IClassFixture<IdentityPortal>
{
    private static JsonElement Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error");

    [Fact]
    public async Task VersionDiscoveryPointsAtV3UnderTheIdentityPath()
    {
        using var client = portal.ApiClient(token: null);

        using var root = await client.GetAsync("/identity");
        using var v3 = await client.GetAsync("/identity/v3");

        Assert.Equal(HttpStatusCode.MultipleChoices, root.StatusCode);
        var value = Assert.Single(JsonDocument.Parse(await root.Content.ReadAsStringAsync()).RootElement.GetProperty("versions").GetProperty("values").EnumerateArray());
        var expected = new Uri(portal.BaseAddress, "/identity/v3/").ToString();
        Assert.Equal(expected, value.GetProperty("links")[0].GetProperty("href").GetString());
        Assert.Equal(HttpStatusCode.OK, v3.StatusCode);
        var version = JsonDocument.Parse(await v3.Content.ReadAsStringAsync()).RootElement.GetProperty("version");
        Assert.Equal("stable", version.GetProperty("status").GetString());
        Assert.Equal(expected, version.GetProperty("links")[0].GetProperty("href").GetString());
    }

    [Fact]
    public async Task AnApplicationCredentialGetsATokenWhoseCatalogListsTheImageService()
    {
        var alice = await portal.CallerAsync("alice@demo.local");
        var created = await portal.Services.GetRequiredService<ApplicationCredentialService>()
            .CreateAsync(alice, new NewApplicationCredential { Name = "pipeline", Description = "CI" });
        using var client = portal.ApiClient(token: null);

        using var response = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(created.Credential.PublicId, created.Secret));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = Assert.Single(response.Headers.GetValues(IdentityEndpoints.SubjectTokenHeader));
        Assert.False(string.IsNullOrWhiteSpace(token));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token");
        Assert.Equal(alice.AccountId.ToString("D"), body.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal("alice-project", body.GetProperty("project").GetProperty("name").GetString());
        Assert.Equal("alice@demo.local", body.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(["reader", "member"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(created.Credential.PublicId, body.GetProperty("application_credential").GetProperty("id").GetString());
        var image = Assert.Single(body.GetProperty("catalog").EnumerateArray(), s => s.GetProperty("type").GetString() == "image");
        var endpoint = Assert.Single(image.GetProperty("endpoints").EnumerateArray());
        Assert.Equal("public", endpoint.GetProperty("interface").GetString());
        Assert.Equal("RegionOne", endpoint.GetProperty("region").GetString());
        Assert.Equal(new Uri(portal.BaseAddress, "/image").ToString(), endpoint.GetProperty("url").GetString());
        var expires = DateTime.Parse(body.GetProperty("expires_at").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(portal.Clock.GetUtcNow().UtcDateTime.AddHours(1), expires, TimeSpan.FromSeconds(1));

        // The credential now shows when it was last used.
        var listed = Assert.Single(await portal.Services.GetRequiredService<ApplicationCredentialService>().ListAsync(alice), c => c.Name == "pipeline");
        Assert.NotNull(listed.LastUsedAt);
    }

    [Fact]
    public async Task TheOperatorsTokenCarriesTheAdminRole()
    {
        var (created, _) = await portal.ApiTokenAsync("operator@demo.local");
        using var client = portal.ApiClient(token: null);

        using var response = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(created.Credential.PublicId, created.Secret));

        var roles = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetProperty("roles");
        Assert.Contains("admin", roles.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task AWrongSecretAndAnUnknownCredentialGetTheSameAnswer()
    {
        var (created, _) = await portal.ApiTokenAsync("bob@demo.local");
        using var client = portal.ApiClient(token: null);

        using var wrongSecret = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(created.Credential.PublicId, created.Secret + "x"));
        using var unknownId = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(Guid.NewGuid().ToString("N"), created.Secret));
        using var notAnId = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest("../../etc", created.Secret));

        foreach (var response in new[] { wrongSecret, unknownId, notAnId })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.False(response.Headers.Contains(IdentityEndpoints.SubjectTokenHeader));
            var error = Error(await response.Content.ReadAsStringAsync());
            Assert.Equal(401, error.GetProperty("code").GetInt32());
            Assert.Equal("Unauthorized", error.GetProperty("title").GetString());
            Assert.Equal(ApiTokenService.AuthenticationRequired, error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task OtherSignInMethodsAndMalformedBodiesAreRefusedWithAReason()
    {
        using var client = portal.ApiClient(token: null);

        using var password = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest("x", "y", method: "password"));
        using var garbage = await client.PostAsync("/identity/v3/auth/tokens", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, password.StatusCode);
        Assert.Contains("application credentials only", Error(await password.Content.ReadAsStringAsync()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal("The request body is not valid JSON.", Error(await garbage.Content.ReadAsStringAsync()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task ATokenValidatesItselfAndRevokingTheCredentialVoidsItAtOnce()
    {
        var (created, token) = await portal.ApiTokenAsync("alice@demo.local");
        using var client = portal.ApiClient(token);
        using var validate = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens");
        validate.Headers.Add(IdentityEndpoints.SubjectTokenHeader, token);

        using var valid = await client.SendAsync(validate);

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(created.Credential.PublicId,
            JsonDocument.Parse(await valid.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetProperty("application_credential").GetProperty("id").GetString());

        await portal.Services.GetRequiredService<ApplicationCredentialService>().RevokeAsync(await portal.CallerAsync("alice@demo.local"), created.Credential.Id);

        using var head = new HttpRequestMessage(HttpMethod.Head, "/identity/v3/auth/tokens");
        head.Headers.Add(IdentityEndpoints.SubjectTokenHeader, token);
        using var revoked = await client.SendAsync(head);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.StartsWith("Keystone uri=", revoked.Headers.WwwAuthenticate.ToString());
        using var again = await portal.ApiClient(token: null).PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(created.Credential.PublicId, created.Secret));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task ACustomerCannotValidateSomeoneElsesToken()
    {
        var (_, alices) = await portal.ApiTokenAsync("alice@demo.local");
        var (_, bobs) = await portal.ApiTokenAsync("bob@demo.local");
        var (_, operators) = await portal.ApiTokenAsync("operator@demo.local");

        async Task<HttpStatusCode> ValidateAsync(string asking, string subject)
        {
            using var client = portal.ApiClient(asking);
            using var request = new HttpRequestMessage(HttpMethod.Head, "/identity/v3/auth/tokens");
            request.Headers.Add(IdentityEndpoints.SubjectTokenHeader, subject);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, await ValidateAsync(bobs, alices));
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(operators, alices));
        Assert.Equal(HttpStatusCode.NotFound, await ValidateAsync(alices, "not-a-token"));
    }

    [Fact]
    public async Task TokensExpireAfterAnHourAndNeverOutliveTheirCredential()
    {
        var alice = await portal.CallerAsync("alice@demo.local");
        var credentials = portal.Services.GetRequiredService<ApplicationCredentialService>();
        var tokens = portal.Services.GetRequiredService<ApiTokenService>();
        var hourly = await credentials.CreateAsync(alice, new NewApplicationCredential { Name = $"hourly-{Guid.NewGuid():N}" });
        var shortLived = await credentials.CreateAsync(alice, new NewApplicationCredential
        {
            Name = $"short-{Guid.NewGuid():N}",
            ExpiresAt = portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(10),
        });
        var hourToken = (await tokens.IssueAsync(hourly.Credential.PublicId, hourly.Secret)).Token;
        var shortIssued = await tokens.IssueAsync(shortLived.Credential.PublicId, shortLived.Secret);

        Assert.Equal(shortLived.Credential.ExpiresAt, shortIssued.Session.Token.ExpiresAt);
        portal.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(await tokens.ValidateAsync(shortIssued.Token));
        var refused = await Assert.ThrowsAsync<RefusedException>(() => tokens.IssueAsync(shortLived.Credential.PublicId, shortLived.Secret));
        Assert.Equal(RefusalCode.NotAuthenticated, refused.Code);
        Assert.NotNull(await tokens.ValidateAsync(hourToken));

        portal.Clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Null(await tokens.ValidateAsync(hourToken));
        Assert.NotNull(await tokens.IssueAsync(hourly.Credential.PublicId, hourly.Secret));
    }

    [Fact]
    public async Task SecretsAndTokensAreStoredOnlyAsHashes()
    {
        var (created, token) = await portal.ApiTokenAsync("bob@demo.local");

        if (portal.PostgresConnectionString is { } postgres)
        {
            // Everything the PostgreSQL database holds, as pg_dump writes it out.
            var dump = PostgresServer.Dump(postgres);
            Assert.Contains("ApiTokens", dump);
            Assert.DoesNotContain(created.Secret, dump);
            Assert.DoesNotContain(token, dump);
            return;
        }

        SqliteConnection.ClearAllPools();
        var database = Directory.EnumerateFiles(portal.DataFolder, "*.db*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(database);
        foreach (var file in database)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            var bytes = await reader.ReadToEndAsync();
            Assert.DoesNotContain(created.Secret, bytes);
            Assert.DoesNotContain(token, bytes);
        }
    }

    [Fact]
    public async Task ALockedOutUserCannotGetOrUseATokenAnyMore()
    {
        var (created, token) = await portal.ApiTokenAsync("bob@demo.local");
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Portal.Accounts.PortalUser>>();
            var bob = (await users.FindByEmailAsync("bob@demo.local"))!;
            await users.SetLockoutEndDateAsync(bob, portal.Clock.GetUtcNow().AddDays(1));
        }

        try
        {
            var tokens = portal.Services.GetRequiredService<ApiTokenService>();
            Assert.Null(await tokens.ValidateAsync(token));
            await Assert.ThrowsAsync<RefusedException>(() => tokens.IssueAsync(created.Credential.PublicId, created.Secret));
        }
        finally
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Portal.Accounts.PortalUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync("bob@demo.local"))!, null);
        }
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ApplicationCredentialRulesTests(IdentityPortal portal) : IClassFixture<IdentityPortal>
{
    [Fact]
    public async Task ANameIsRequiredUniquePerUserAndTheExpiryMustBeInTheFuture()
    {
        var credentials = portal.Services.GetRequiredService<ApplicationCredentialService>();
        var alice = await portal.CallerAsync("alice@demo.local");
        var bob = await portal.CallerAsync("bob@demo.local");
        await credentials.CreateAsync(alice, new NewApplicationCredential { Name = "terraform" });

        var blank = await Assert.ThrowsAsync<RefusedException>(() => credentials.CreateAsync(alice, new NewApplicationCredential { Name = "  " }));
        var twice = await Assert.ThrowsAsync<RefusedException>(() => credentials.CreateAsync(alice, new NewApplicationCredential { Name = "terraform " }));
        var past = await Assert.ThrowsAsync<RefusedException>(() => credentials.CreateAsync(alice, new NewApplicationCredential
        {
            Name = "yesterday",
            ExpiresAt = portal.Clock.GetUtcNow().UtcDateTime.AddDays(-1),
        }));

        Assert.Equal("Give the credential a name.", blank.Message);
        Assert.Equal("You already have an application credential named “terraform”.", twice.Message);
        Assert.Equal("The expiry date must be in the future.", past.Message);
        // Another user's name space is their own.
        Assert.Equal("terraform", (await credentials.CreateAsync(bob, new NewApplicationCredential { Name = "terraform" })).Credential.Name);
    }

    [Fact]
    public async Task AUserSeesAndRevokesOnlyTheirOwnCredentials()
    {
        var credentials = portal.Services.GetRequiredService<ApplicationCredentialService>();
        var alice = await portal.CallerAsync("alice@demo.local");
        var bob = await portal.CallerAsync("bob@demo.local");
        var alices = await credentials.CreateAsync(alice, new NewApplicationCredential { Name = "packer" });

        Assert.DoesNotContain(await credentials.ListAsync(bob), c => c.Id == alices.Credential.Id);
        var refused = await Assert.ThrowsAsync<RefusedException>(() => credentials.RevokeAsync(bob, alices.Credential.Id));

        Assert.Equal(RefusalCode.NotFound, refused.Code);
        Assert.Contains(await credentials.ListAsync(alice), c => c.Id == alices.Credential.Id);
    }
}

/// <summary>The portal told its public address: the addresses it hands out follow it, whatever Host a request names.</summary>
public sealed class PublicUrlPortal : KestrelPortal
{
    public const string PublicUrl = "https://cloud.example.test/";

    public override Task InitializeAsync()
    {
        With("Portal:PublicUrl", PublicUrl);
        With("Portal:Api:Region", "eu-west-1");
        return base.InitializeAsync();
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class PublicUrlTests(PublicUrlPortal portal) : IClassFixture<PublicUrlPortal>
{
    [Fact]
    public async Task TheCatalogAndDiscoveryAreBuiltFromThePublicUrlNeverFromTheHostHeader()
    {
        var (created, _) = await portal.ApiTokenAsync("alice@demo.local");
        using var client = portal.ApiClient(token: null);
        using var discovery = new HttpRequestMessage(HttpMethod.Get, "/identity/v3");
        discovery.Headers.Host = "evil.example";
        using var issue = new HttpRequestMessage(HttpMethod.Post, "/identity/v3/auth/tokens")
        {
            Content = IdentityPortal.AuthRequest(created.Credential.PublicId, created.Secret),
        };
        issue.Headers.Host = "evil.example";

        using var version = await client.SendAsync(discovery);
        using var token = await client.SendAsync(issue);

        Assert.Equal("https://cloud.example.test/identity/v3/",
            JsonDocument.Parse(await version.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetProperty("links")[0].GetProperty("href").GetString());
        var catalog = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetProperty("catalog");
        var image = Assert.Single(catalog.EnumerateArray(), s => s.GetProperty("type").GetString() == "image").GetProperty("endpoints")[0];
        Assert.Equal("https://cloud.example.test/image", image.GetProperty("url").GetString());
        Assert.Equal("eu-west-1", image.GetProperty("region_id").GetString());
    }

    [Fact]
    public void CloudsYamlNamesTheIdentityUrlTheCredentialAndTheRegion()
    {
        var urls = portal.Services.GetRequiredService<PublicUrls>();
        var credential = new NewApplicationCredential { Name = "laptop \"work\"" };

        var yaml = CloudsYaml.For(urls.IdentityV3, "eu-west-1", TestCredential(credential), "s3cr3t");

        Assert.Contains("auth_type: v3applicationcredential", yaml);
        Assert.Contains("auth_url: \"https://cloud.example.test/identity/v3\"", yaml);
        Assert.Contains("application_credential_id: \"0123456789abcdef0123456789abcdef\"", yaml);
        Assert.Contains("application_credential_secret: \"s3cr3t\"", yaml);
        Assert.Contains("region_name: \"eu-west-1\"", yaml);
        Assert.StartsWith("# The application credential \"laptop 'work'\" for Portal.", yaml);
    }

    private static ApplicationCredential TestCredential(NewApplicationCredential request) =>
        new(Guid.Parse("01234567-89ab-cdef-0123-456789abcdef"), "user-id", request, new byte[32], DateTime.UtcNow);
}
