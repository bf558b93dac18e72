using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Tests.Images.Import;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The portal allowed (by explicit test configuration only) to import from a loopback image server.</summary>
public class ImportPortal : KestrelPortal
{
    public LoopbackImageServer ImageServer { get; } = new();

    public override async Task InitializeAsync()
    {
        await ImageServer.InitializeAsync();
        With("Portal:Import:AllowLoopback", "true");
        With("Portal:Import:AllowedPorts:0", ImageServer.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        With("Portal:Import:IdleTimeout", "00:00:30");
        await base.InitializeAsync();
    }

    public async Task<Image> CreateFromUrlAsync(string email, string name, string url)
    {
        var caller = await CallerAsync(email);
        return await Services.GetRequiredService<ImageService>().CreateAsync(caller, new CreateImageRequest
        {
            Name = name,
            Source = ImageSource.Url,
            ImageUrl = url,
            DiskFormat = DiskFormat.Raw,
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            ImageServer.DisposeAsync().GetAwaiter().GetResult();
        }
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageImportTests(ImportPortal portal) : IClassFixture<ImportPortal>
{
    [Fact]
    public async Task ImportFollowsRedirectsAndActivatesTheImageWithItsHashes()
    {
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "imported", portal.ImageServer.Url("/hop/2"));
        Assert.Equal(ImageStatus.Importing, image.Status);

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Active);

        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(LoopbackImageServer.FileBody.Length, stored.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(LoopbackImageServer.FileBody)), stored.Checksum);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(LoopbackImageServer.FileBody)), stored.OsHashValue);
        Assert.Equal(portal.ImageServer.Url("/hop/2"), stored.ImportUrl);
        Assert.Equal(LoopbackImageServer.FileBody, await File.ReadAllBytesAsync(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }

    [Fact]
    public async Task UrlThatAnswers404KillsTheImageWithTheReason()
    {
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "missing", portal.ImageServer.Url("/status/404"));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Killed);

        Assert.Equal(ImageStatus.Killed, stored.Status);
        Assert.Contains("not found", stored.StatusReason);
        Assert.Empty(portal.IncomingFiles);
    }

    [Fact]
    public async Task RedirectToAPrivateAddressIsRefusedWithoutConnecting()
    {
        var target = Uri.EscapeDataString("http://10.1.2.3/image.img?probe=never");
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "sneaky", portal.ImageServer.Url($"/redirect?to={target}"));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Killed);

        Assert.Equal(ImageStatus.Killed, stored.Status);
        Assert.Contains("redirects to one that cannot be imported from", stored.StatusReason);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
    }

    [Fact]
    public async Task ServerErrorPutsTheImageBackToQueuedForARetry()
    {
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "flaky", portal.ImageServer.Url("/status/503"));

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);

        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Contains("Try again later", stored.StatusReason);
    }

    [Fact]
    public async Task CancelImportStopsTheDownloadAndQueuesTheImage()
    {
        var caller = await portal.CallerAsync("alice@demo.local");
        var images = portal.Services.GetRequiredService<ImageService>();
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "stalled", portal.ImageServer.Url("/stall"));
        await Eventually.TrueAsync(() => portal.Services.GetRequiredService<Portal.Images.Transfer.ActiveTransfers>().IsRunning(image.Id));

        await images.CancelImportAsync(caller, image.Id);

        var stored = await portal.WaitForStatusAsync(image.Id, ImageStatus.Queued);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Equal("The import was cancelled.", stored.StatusReason);
        Assert.Empty(portal.IncomingFiles);
    }

    [Fact]
    public async Task AnotherAccountCannotCancelAnImport()
    {
        var bob = await portal.CallerAsync("bob@demo.local");
        var image = await portal.CreateFromUrlAsync("alice@demo.local", "alices-import", portal.ImageServer.Url("/stall"));

        await Assert.ThrowsAsync<ImageNotFoundException>(() =>
            portal.Services.GetRequiredService<ImageService>().CancelImportAsync(bob, image.Id));
    }

    [Fact]
    public async Task ForbiddenUrlIsRefusedWhenTheImageIsCreated()
    {
        var refusal = await Assert.ThrowsAsync<ImageValidationException>(() =>
            portal.CreateFromUrlAsync("alice@demo.local", "metadata", "http://169.254.169.254/latest/meta-data/"));

        Assert.Contains("cannot be imported from", refusal.Message, StringComparison.OrdinalIgnoreCase);
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImportWithoutLoopbackTests(UploadPortal portal) : IClassFixture<UploadPortal>
{
    [Fact]
    public async Task LoopbackUrlIsRefusedUnlessConfigurationAllowsIt()
    {
        var caller = await portal.CallerAsync("alice@demo.local");

        var refusal = await Assert.ThrowsAsync<ImageValidationException>(() =>
            portal.Services.GetRequiredService<ImageService>().CreateAsync(caller, new CreateImageRequest
            {
                Name = "loopback",
                Source = ImageSource.Url,
                ImageUrl = "http://127.0.0.1/image.img",
                DiskFormat = DiskFormat.Raw,
            }));

        var error = Assert.Single(refusal.Errors);
        Assert.Equal("That address points at the portal's own servers and cannot be imported from.", error.ErrorMessage);
    }
}
