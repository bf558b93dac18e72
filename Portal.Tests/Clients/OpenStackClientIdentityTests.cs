using Microsoft.Extensions.DependencyInjection;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// Debian's <c>openstack</c> client signs in to the portal with the clouds.yaml the portal made for an application
/// credential, and nothing else: it gets a token and reads the catalog; a revoked credential no longer signs in.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OpenStackClientIdentityTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    [Fact]
    public async Task TokenIssueSignsInAsTheCredentialsUserInTheirAccount()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var alice = await portal.CallerAsync("alice@demo.local");

        var token = await cli.OpenStackJsonAsync("token", "issue");

        Assert.Equal(alice.AccountId.ToString("D"), token.GetProperty("project_id").GetString());
        Assert.Equal(alice.UserId, token.GetProperty("user_id").GetString());
        var session = await portal.Services.GetRequiredService<ApiTokenService>().ValidateAsync(token.GetProperty("id").GetString());
        Assert.NotNull(session);
        Assert.Equal(alice.UserId, session.Caller.UserId);
        Assert.Equal(cli.Credential.Credential.Id, session.Credential.Id);
    }

    [Fact]
    public async Task CatalogListsTheImageServiceAtThePortalsImageUrl()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "bob@demo.local");
        var urls = portal.Services.GetRequiredService<PublicUrls>();

        var catalog = await cli.OpenStackJsonAsync("catalog", "list");

        var image = Assert.Single(catalog.EnumerateArray(), service => service.GetProperty("Type").GetString() == "image");
        var endpoint = Assert.Single(image.GetProperty("Endpoints").EnumerateArray());
        Assert.Equal("public", endpoint.GetProperty("interface").GetString());
        Assert.Equal("RegionOne", endpoint.GetProperty("region").GetString());
        Assert.Equal(urls.Image, endpoint.GetProperty("url").GetString());
        Assert.StartsWith(portal.BaseAddress.ToString().TrimEnd('/'), urls.Image);
    }

    [Fact]
    public async Task ARevokedCredentialNoLongerSignsIn()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var alice = await portal.CallerAsync("alice@demo.local");
        var before = await cli.OpenStackJsonAsync("token", "issue");

        await portal.Services.GetRequiredService<ApplicationCredentialService>().RevokeAsync(alice, cli.Credential.Credential.Id);
        var after = await cli.TryOpenStackAsync("token", "issue", "-f", "json");

        Assert.False(after.Succeeded, "A revoked credential still got a token: " + after);
        Assert.Contains(ApiTokenService.AuthenticationRequired, after.Error);
        Assert.Null(await portal.Services.GetRequiredService<ApiTokenService>().ValidateAsync(before.GetProperty("id").GetString()));
    }
}
