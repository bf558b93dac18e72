using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Clients;

/// <summary>
/// The real <c>openstack</c> client meets the same refusals as the browser, in the portal's own words: a customer
/// cannot publish, a qcow2 declared raw is refused, and another account's private image is not there.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class OpenStackClientRefusalTests(KestrelPortal portal) : IClassFixture<KestrelPortal>
{
    [Fact]
    public async Task ACustomerCannotCreateAPublicImage()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var disk = cli.MakeQcow2("disk.qcow2", seed: 41);

        var refused = await cli.TryOpenStackAsync(
            "image", "create", "--public", "--disk-format", "qcow2", "--container-format", "bare", "--file", disk, "public-try");

        Assert.False(refused.Succeeded, "A customer published an image: " + refused);
        Assert.Contains("Customers can only upload private images.", refused.Error);
        Assert.Empty(await ImagesNamedAsync("public-try"));
    }

    [Fact]
    public async Task AQcow2DeclaredRawIsRefusedWithTheInspectorsReason()
    {
        using var cli = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        var disk = cli.MakeQcow2("disk.qcow2", seed: 42);

        var refused = await cli.TryOpenStackAsync(
            "image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", disk, "declared-raw");

        Assert.False(refused.Succeeded, "A qcow2 file was stored as raw: " + refused);
        Assert.Contains("Declared raw, but the data is a qcow2 image.", refused.Error);
        var image = Assert.Single(await ImagesNamedAsync("declared-raw"));
        Assert.NotEqual(ImageStatus.Active, image.Status);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }

    [Fact]
    public async Task AnotherAccountsPrivateImageIsNotThere()
    {
        using var alice = await OpenStackCli.SignInAsync(portal, "alice@demo.local");
        using var bob = await OpenStackCli.SignInAsync(portal, "bob@demo.local");
        var disk = alice.MakeQcow2("disk.qcow2", seed: 43);
        var id = (await alice.OpenStackJsonAsync(
            "image", "create", "--disk-format", "qcow2", "--container-format", "bare", "--file", disk, "alices-private")).GetProperty("id").GetString()!;

        var shown = await bob.TryOpenStackAsync("image", "show", id);
        var deleted = await bob.TryOpenStackAsync("image", "delete", id);
        var listed = await bob.OpenStackJsonAsync("image", "list");

        Assert.False(shown.Succeeded, "Bob sees Alice's private image: " + shown);
        Assert.Contains($"No Image found for {id}", shown.Error);
        Assert.False(deleted.Succeeded, "Bob deleted Alice's private image: " + deleted);
        Assert.DoesNotContain(listed.EnumerateArray(), i => i.GetProperty("ID").GetString() == id);
        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(Guid.Parse(id))).Status);
    }

    private async Task<List<Image>> ImagesNamedAsync(string name)
    {
        var factory = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Images.AsNoTracking().Where(i => i.Name == name).ToListAsync();
    }
}
