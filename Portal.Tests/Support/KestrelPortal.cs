using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Accounts;
using Portal.Identity;
using Portal.Images;
using Portal.Images.Transfer;

namespace Portal.Tests.Support;

/// <summary>The portal on a real Kestrel port: uploads travel over real HTTP on loopback.</summary>
public class KestrelPortal : PortalAppFactory, IAsyncLifetime
{
    private readonly Dictionary<string, string> _settings = [];

    public KestrelPortal()
        : this(sharedDataFolder: null)
    {
    }

    /// <summary>A portal on a data folder (and, with PostgreSQL, a database) another instance shares (see <see cref="PortalPair"/>).</summary>
    internal KestrelPortal(string? sharedDataFolder, PostgresDatabase? sharedDatabase = null)
        : base(sharedDataFolder, sharedDatabase)
    {
        UseKestrel(0);
    }

    public Uri BaseAddress => ClientOptions.BaseAddress;

    public KestrelPortal With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public virtual Task InitializeAsync()
    {
        StartServer();
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>A real HTTP client with its own cookie jar, signed in through the sign-in form.</summary>
    public async Task<HttpClient> SignedInHttpClientAsync(string email)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        using var response = await PostSignInAsync(client, email, DemoPassword);
        Assert.Equal("/compute/images", response.Headers.Location?.OriginalString);
        return client;
    }

    public async Task<Caller> CallerAsync(string email)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException(email);
        return new Caller(user.Id, email, user.AccountId, await users.IsInRoleAsync(user, Caller.OperatorRole));
    }

    /// <summary>
    /// An application credential of the user, made through the portal's own service as the credentials page makes it,
    /// and a token issued for it through the identity endpoint's service.
    /// </summary>
    public async Task<(CreatedApplicationCredential Credential, string Token)> ApiTokenAsync(string email, string? name = null)
    {
        var caller = await CallerAsync(email);
        var created = await Services.GetRequiredService<ApplicationCredentialService>().CreateAsync(
            caller, new NewApplicationCredential { Name = name ?? $"tests-{Guid.NewGuid():N}" });
        var issued = await Services.GetRequiredService<ApiTokenService>().IssueAsync(created.Credential.PublicId, created.Secret);
        return (created, issued.Token);
    }

    /// <summary>A real HTTP client that sends <paramref name="token"/> as <c>X-Auth-Token</c> on every request.</summary>
    public HttpClient ApiClient(string? token)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Add(ApiTokenAuthentication.Header, token);
        }

        return client;
    }

    public async Task<(Image Image, string Token)> NewQueuedImageAsync(string email, string name, DiskFormat format = DiskFormat.Raw)
    {
        var caller = await CallerAsync(email);
        var image = await Services.GetRequiredService<ImageService>().CreateAsync(caller, new CreateImageRequest
        {
            Name = name,
            Source = ImageSource.File,
            FileName = name + ".img",
            FileSize = 1,
            DiskFormat = format,
        });
        return (image, Services.GetRequiredService<UploadTokens>().Issue(image.Id, caller));
    }

    public static HttpRequestMessage UploadRequest(Guid imageId, string? token, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, ImageUploadEndpoints.UploadPath(imageId)) { Content = content };
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        if (token is not null)
        {
            request.Headers.Add(ImageUploadEndpoints.UploadTokenHeader, token);
        }

        return request;
    }

    public async Task<Image> ImageAsync(Guid id)
    {
        var factory = Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Data.PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Images, i => i.Id == id);
    }

    /// <summary>Waits (bounded) until the image reaches a status: the server finishes after the client has gone.</summary>
    public Task<Image> WaitForStatusAsync(Guid id, ImageStatus status, TimeSpan? timeout = null) =>
        WaitForAsync(id, image => image.Status == status, timeout);

    /// <summary>Waits (bounded) until the stored image satisfies a condition; returns it as last seen.</summary>
    public async Task<Image> WaitForAsync(Guid id, Func<Image, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var image = await ImageAsync(id);
            if (condition(image) || DateTime.UtcNow > deadline)
            {
                return image;
            }

            await Task.Delay(50);
        }
    }

    public string ImagesFolder => Path.Combine(DataFolder, "images");

    /// <summary>Waits (bounded) for partial files to be cleaned up after a transfer the client abandoned.</summary>
    public async Task<IReadOnlyList<string>> IncomingFilesSettledAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IncomingFiles.Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return IncomingFiles.ToList();
    }

    public IEnumerable<string> IncomingFiles => Directory.EnumerateFiles(Path.Combine(ImagesFolder, LocalDiskImageStore.IncomingFolderName));
}
