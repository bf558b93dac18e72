using Microsoft.Extensions.Logging.Abstractions;
using Portal.Accounts;
using Portal.Images;

namespace Portal.Tests.Support;

/// <summary>The image service over a real SQLite database and a real disk store in a temporary folder.</summary>
public sealed class ImageServiceHarness : IDisposable
{
    public ImageServiceHarness()
    {
        Store = new LocalDiskImageStore(Database.ImagesFolder);
        Service = new ImageService(Database, Store, Clock, new UpdateImageRequestValidator(), NullLogger<ImageService>.Instance);
    }

    public TestDatabase Database { get; } = new();
    public FakeClock Clock { get; } = new();
    public LocalDiskImageStore Store { get; }
    public ImageService Service { get; }

    /// <summary>Adds an image straight through the entity, optionally active with stored data.</summary>
    public async Task<Image> AddImageAsync(
        Caller owner,
        string name,
        ImageVisibility visibility = ImageVisibility.Private,
        bool active = true,
        bool isProtected = false,
        DiskFormat format = DiskFormat.Qcow2,
        long size = 1024,
        string? distro = "ubuntu",
        string? version = "24.04")
    {
        var image = Image.Create(owner, new NewImage(name, format, visibility, OsDistro: distro, OsVersion: version, IsProtected: isProtected),
            Clock.GetUtcNow().UtcDateTime);
        if (active)
        {
            image.BeginTransfer(owner, ImageStatus.Saving, Clock.GetUtcNow().UtcDateTime);
            await using (var writer = Store.BeginWrite(image.Id))
            {
                await writer.WriteAsync(new byte[size], CancellationToken.None);
                await writer.CommitAsync(CancellationToken.None);
            }

            image.CompleteTransfer(new ImageData(size, new string('0', 32), new string('0', 128), size), Clock.GetUtcNow().UtcDateTime);
        }

        await using var db = Database.CreateDbContext();
        db.Images.Add(image);
        await db.SaveChangesAsync();
        Clock.Advance(TimeSpan.FromMinutes(1));
        return image;
    }

    public void Dispose() => Database.Dispose();
}
