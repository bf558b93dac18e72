using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Extensions;
using Portal.Images;
using Portal.Images.Import;
using Portal.Images.Transfer;
using Portal.Images.Usage;

namespace Portal.Tests.Support;

/// <summary>
/// The portal's own services, registered by the app's <see cref="PortalServiceExtensions.AddPortalServices"/>, over a
/// real SQLite database and a real disk store in a temporary folder. Only what a test must control is replaced: the
/// clock (a <see cref="FakeClock"/>), the data folder and, when asked, options. A production constructor that gains a
/// dependency therefore needs no change here.
/// </summary>
public sealed class ImageServiceHarness : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ServiceProvider? _ownProvider;

    /// <summary>A harness with a service provider of its own; <paramref name="settings"/> are more configuration keys (e.g. "Portal:Import:AllowLoopback").</summary>
    public ImageServiceHarness(Action<PortalOptions>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        Register(services, configure, settings);
        _ownProvider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        _services = _ownProvider;
    }

    /// <summary>
    /// Registers the portal into <paramref name="services"/> and resolves from <paramref name="provider"/>, built from
    /// them later by someone else (bUnit's <c>Services</c> is both).
    /// </summary>
    public ImageServiceHarness(IServiceCollection services, IServiceProvider provider, Action<PortalOptions>? configure = null)
    {
        Register(services, configure);
        _services = provider;
    }

    public TestDatabase Database { get; } = new();
    public FakeClock Clock { get; } = new();

    public IImageStore Store => Get<IImageStore>();
    public ImageService Service => Get<ImageService>();
    public ImageEvents Events => Get<ImageEvents>();
    public ImageTransferService Transfers => Get<ImageTransferService>();
    public ActiveTransfers ActiveTransfers => Get<ActiveTransfers>();
    public UrlImportQueue Imports => Get<UrlImportQueue>();
    public StorageQuota Quota => Get<StorageQuota>();
    public UsageService Usage => Get<UsageService>();
    public AccountQuotaService Accounts => Get<AccountQuotaService>();
    public IOptions<PortalOptions> Options => Get<IOptions<PortalOptions>>();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    private void Register(IServiceCollection services, Action<PortalOptions>? configure, IReadOnlyDictionary<string, string?>? settings = null)
    {
        // What the web host gives the app: logging, and a content root (here the test's folder, which holds the data).
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment
        {
            ApplicationName = "Portal",
            EnvironmentName = "Testing",
            ContentRootPath = Database.Folder,
        });
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Portal:DataDirectory"] = Database.Folder,

                // Tests must not depend on how full the machine's disk is; the store-full tests set their own reserve.
                ["Portal:Storage:FreeSpaceReserveGb"] = "0",
            })
            .AddInMemoryCollection(Database.Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();

        services.AddPortalServices(configuration);

        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
        if (configure is not null)
        {
            services.Configure(configure);
        }
    }

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
            await using (var writer = await Store.BeginWriteAsync(image.Id, CancellationToken.None))
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

    public void Dispose()
    {
        _ownProvider?.Dispose();
        Database.Dispose();
    }
}
