using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

/// <summary>The Data Protection key ring lives in the database: what one instance protected, the other reads.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SharedKeysTests(PortalPair portals) : SharedKeysTests<PortalPair>(portals), IClassFixture<PortalPair>;

/// <summary>The shared key ring on any pair of instances (see <see cref="ScaledOutSharedKeysTests"/> for PostgreSQL and Swift).</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public abstract class SharedKeysTests<TPair>(TPair portals)
    where TPair : PortalPair
{
    [Fact]
    public async Task SigningInOnAKeepsYouSignedInOnB()
    {
        using var onA = await portals.A.SignedInHttpClientAsync("alice@demo.local");

        // The same cookie jar, sent to the other instance (cookies do not tell ports apart).
        using var page = await onA.GetAsync(new Uri(portals.B.BaseAddress, "/compute/images"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var anonymous = portals.B.ApiClient(token: null);
        using var refused = await anonymous.GetAsync("/compute/images");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
    }

    [Fact]
    public async Task AnUploadTokenIssuedOnAIsAcceptedOnB()
    {
        using var onA = await portals.A.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portals.A.NewQueuedImageAsync("alice@demo.local", "token-from-a");

        var request = KestrelPortal.UploadRequest(image.Id, token, new GeneratedContent(1 << 20));
        request.RequestUri = new Uri(portals.B.BaseAddress, request.RequestUri!);
        using var response = await onA.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(ImageStatus.Active, (await portals.A.ImageAsync(image.Id)).Status);
    }

    [Fact]
    public async Task BothInstancesUseTheOneKeyRingInTheDatabase()
    {
        using var onA = await portals.A.SignedInHttpClientAsync("alice@demo.local");
        using var onB = await portals.B.SignedInHttpClientAsync("bob@demo.local");

        await using var db = await portals.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Single(await db.DataProtectionKeys.ToListAsync());
        Assert.False(Directory.Exists(Path.Combine(portals.DataFolder, "keys")));
    }
}
