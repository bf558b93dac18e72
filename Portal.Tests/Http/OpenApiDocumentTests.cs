using System.Net;
using System.Text.Json;
using Portal.Extensions;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The OpenAPI document describes the OpenStack routes, and only those, without touching the pages' headers.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OpenApiDocumentTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    [Fact]
    public async Task TheDocumentListsTheImageFileRoutesAndTheTokenRoute()
    {
        using var anonymous = portal.ApiClient(null);

        using var response = await anonymous.GetAsync(PortalOpenApi.DocumentPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");
        var file = paths.GetProperty("/image/v2/images/{id}/file");
        Assert.True(file.TryGetProperty("put", out _));
        Assert.True(file.TryGetProperty("get", out var get));
        Assert.True(get.GetProperty("responses").TryGetProperty("206", out _));
        Assert.True(paths.GetProperty("/identity/v3/auth/tokens").TryGetProperty("post", out _));
        Assert.All(paths.EnumerateObject(), path =>
            Assert.True(path.Name.StartsWith("/image", StringComparison.Ordinal) || path.Name.StartsWith("/identity", StringComparison.Ordinal), path.Name));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task ThePagesKeepTheirContentSecurityPolicy()
    {
        using var anonymous = portal.ApiClient(null);

        using var response = await anonymous.GetAsync("/account/sign-in");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }
}
