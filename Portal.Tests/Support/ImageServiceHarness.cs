using Microsoft.Extensions.Logging.Abstractions;
using Portal.Accounts;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Images;
using Portal.Images.Import;
using Portal.Images.Transfer;
using Portal.Images.Usage;

namespace Portal.Tests.Support;

/// <summary>The image service over a real SQLite database and a real disk store in a temporary folder.</summary>
public sealed class ImageServiceHarness : IDisposable
{
    public ImageServiceHarness()
    {
        Quota = new StorageQuota(Database, Options);
        Store = new LocalDiskImageStore(Database.ImagesFolder);
        Events = new ImageEvents(NullLogger<ImageEvents>.Instance);
        Service = new ImageService(Database, Store, Clock, new UpdateImageRequestValidator(),
            new CreateImageRequestValidator(Options, new ImportUrlPolicy(Microsoft.Extensions.Options.Options.Create(new ImportOptions()))),
            Events, Imports, ActiveTransfers, Quota, NullLogger<ImageService>.Instance);
        Transfers = new ImageTransferService(Database, Store, Clock, Options, Events, ActiveTransfers, Quota, NullLogger<ImageTransferService>.Instance);
    }

    public TestDatabase Database { get; } = new();
    public FakeClock Clock { get; } = new();
    public LocalDiskImageStore Store { get; }
    public ImageService Service { get; }
    public ImageEvents Events { get; }
    public ImageTransferService Transfers { get; }
    public ActiveTransfers ActiveTransfers { get; } = new();
    public UrlImportQueue Imports { get; } = new();
    public StorageQuota Quota { get; }
    public IOptions<PortalOptions> Options { get; } = Microsoft.Extensions.Options.Options.Create(new PortalOptions());

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
                // Zeros are stored as holes: even gigabytes cost no disk.
                var zeros = new byte[(int)Math.Min(size, 1 << 20)];
                for (long written = 0; written < size; written += zeros.Length)
                {
                    await writer.WriteAsync(zeros.AsMemory(0, (int)Math.Min(zeros.Length, size - written)), CancellationToken.None);
                }

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
