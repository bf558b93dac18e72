using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Accounts;
using Portal.Data;
using Portal.Identity;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>
/// The portal as a real process, killed with SIGKILL in the middle of a transfer and started again on the same data
/// folder: nothing half-written survives, the database is intact, stored images still hash right, and the transfer
/// can be done again.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
// About SQLite's own file after a kill -9 (PRAGMA integrity_check on portal.db): not run in the PostgreSQL pass.
[Trait(TestDatabaseProvider.Trait, TestDatabaseProvider.SqliteOnly)]
[Collection(HeavyTests.Name)]
public sealed class ProcessCrashTests : IDisposable
{
    private const string Email = "bob@demo.local";
    private readonly string _data = Directory.CreateTempSubdirectory("portal-crash-").FullName;
    private readonly List<string> _scratch = [];

    private string ImagesFolder => Path.Combine(_data, "images");

    private IEnumerable<string> IncomingFiles => Directory.Exists(Path.Combine(ImagesFolder, LocalDiskImageStore.IncomingFolderName))
        ? Directory.EnumerateFiles(Path.Combine(ImagesFolder, LocalDiskImageStore.IncomingFolderName))
        : [];

    [Fact]
    public async Task AKilledUploadIsQueuedAgainWithNothingLeftOverAndUploadsAfterTheRestart()
    {
        var (credentialId, secret) = await CreateCredentialAsync();
        var file = LargeFile(1L << 30);
        var sha512 = await Sha512Async(file);

        Guid id;
        await using (var portal = await PortalProcess.StartAsync(_data))
        {
            using var api = await portal.ApiClientAsync(credentialId, secret);
            id = await CreateImageAsync(api, "crash-upload");
            using var curl = Curl.Upload(portal.BaseAddress, api, id, file, limitRate: "50M");
            try
            {
                await WaitUntilAsync(() => IncomingFiles.Any(f => new FileInfo(f).Length >= 32L << 20), TimeSpan.FromSeconds(30));
                Assert.Equal("saving", await StatusAsync(api, id));
                portal.Kill();
            }
            finally
            {
                curl.Stop();
            }
        }

        Assert.NotEmpty(IncomingFiles);
        AssertDatabaseIntact();

        await using (var portal = await PortalProcess.StartAsync(_data))
        {
            Assert.Contains("Start-up reconciliation: 1 interrupted upload put back to queued", portal.Output);
            Assert.Contains("1 partial file removed", portal.Output);
            Assert.Empty(IncomingFiles);
            using var api = await portal.ApiClientAsync(credentialId, secret);
            Assert.Equal("queued", await StatusAsync(api, id));
            Assert.Equal(InterruptedTransfers.Reason, (await StoredImageAsync(id)).StatusReason);
            await AssertActiveImagesVerifyAsync();

            using var curl = Curl.Upload(portal.BaseAddress, api, id, file, limitRate: null);
            Assert.Equal("204", await curl.ResultAsync(TimeSpan.FromSeconds(60)));
            var image = await ImageJsonAsync(api, id);
            Assert.Equal("active", image.GetProperty("status").GetString());
            Assert.Equal(1L << 30, image.GetProperty("size").GetInt64());
            Assert.Equal(sha512, image.GetProperty("os_hash_value").GetString());
        }

        AssertDatabaseIntact();
        await AssertActiveImagesVerifyAsync();
    }

    [Fact]
    public async Task AKilledImportIsStartedOnceMoreAfterTheRestartAndCompletes()
    {
        var (credentialId, secret) = await CreateCredentialAsync();
        await using var source = await HoldingImageServer.StartAsync(held: 1);
        var settings = ImportSettings(source);
        var id = await StartImportAndKillAsync(credentialId, secret, source, settings);

        await using (var portal = await PortalProcess.StartAsync(_data, settings))
        {
            Assert.Contains("1 import restarted", portal.Output);
            using var api = await portal.ApiClientAsync(credentialId, secret);
            await WaitUntilAsync(async () => await StatusAsync(api, id) == "active", TimeSpan.FromSeconds(30));
            var image = await ImageJsonAsync(api, id);
            Assert.Equal("active", image.GetProperty("status").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(HoldingImageServer.Body)), image.GetProperty("os_hash_value").GetString());
            Assert.Equal(2, source.Requests);
            Assert.Empty(IncomingFiles);
        }

        AssertDatabaseIntact();
        await AssertActiveImagesVerifyAsync();
    }

    [Fact]
    public async Task AnImportKilledAgainAfterItsRestartIsQueuedWithTheReasonAndNotStartedAThirdTime()
    {
        var (credentialId, secret) = await CreateCredentialAsync();
        await using var source = await HoldingImageServer.StartAsync(held: 2);
        var settings = ImportSettings(source);
        var id = await StartImportAndKillAsync(credentialId, secret, source, settings);

        await using (var portal = await PortalProcess.StartAsync(_data, settings))
        {
            Assert.Contains("1 import restarted", portal.Output);
            await WaitUntilAsync(() => source.Requests == 2 && IncomingFiles.Any(f => new FileInfo(f).Length > 0), TimeSpan.FromSeconds(30));
            portal.Kill();
        }

        AssertDatabaseIntact();

        await using (var portal = await PortalProcess.StartAsync(_data, settings))
        {
            Assert.Contains("0 imports restarted, 1 import put back to queued", portal.Output);
            using var api = await portal.ApiClientAsync(credentialId, secret);
            Assert.Equal("queued", await StatusAsync(api, id));
            Assert.Empty(IncomingFiles);
            await Task.Delay(500);
            Assert.Equal(2, source.Requests);
        }

        Assert.Equal(InterruptedTransfers.ImportInterruptedAgain, (await StoredImageAsync(id)).StatusReason);
        AssertDatabaseIntact();
        await AssertActiveImagesVerifyAsync();
    }

    private static Dictionary<string, string> ImportSettings(HoldingImageServer source) => new()
    {
        ["Portal__Import__AllowLoopback"] = "true",
        ["Portal__Import__AllowedPorts__0"] = source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Starts an import through the Image API and kills the portal once part of the data is on disk.</summary>
    private async Task<Guid> StartImportAndKillAsync(string credentialId, string secret, HoldingImageServer source, Dictionary<string, string> settings)
    {
        await using var portal = await PortalProcess.StartAsync(_data, settings);
        using var api = await portal.ApiClientAsync(credentialId, secret);
        var id = await CreateImageAsync(api, "crash-import");
        using var import = await api.PostAsync($"/image/v2/images/{id:D}/import", Json(new { method = new { name = "web-download", uri = source.Url } }));
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        await WaitUntilAsync(() => source.Requests >= 1 && IncomingFiles.Any(f => new FileInfo(f).Length > 0), TimeSpan.FromSeconds(30));
        Assert.Equal("importing", await StatusAsync(api, id));
        portal.Kill();
        AssertDatabaseIntact();
        return id;
    }

    /// <summary>
    /// An application credential made through the portal's own service, by an in-process portal on the same data folder
    /// that is gone before the real process starts.
    /// </summary>
    private async Task<(string Id, string Secret)> CreateCredentialAsync()
    {
        using var setup = new SetupApp(_data);
        await using var scope = setup.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(Email) ?? throw new InvalidOperationException(Email);
        var caller = new Caller(user.Id, Email, user.AccountId, IsOperator: false);
        var created = await scope.ServiceProvider.GetRequiredService<ApplicationCredentialService>()
            .CreateAsync(caller, new NewApplicationCredential { Name = "crash-test" });
        return (created.Credential.PublicId, created.Secret);
    }

    private sealed class SetupApp(string data) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in PortalProcess.Settings(data))
            {
                builder.UseSetting(key.Replace("__", ":", StringComparison.Ordinal), value);
            }
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            SqliteConnection.ClearAllPools();
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>Waits (bounded) for something the portal process does; fails naming nothing more than the timeout.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not reached within {timeout}.");
            await Task.Delay(50);
        }
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<Guid> CreateImageAsync(HttpClient api, string name)
    {
        using var response = await api.PostAsync("/image/v2/images", Json(new { name, disk_format = "raw", container_format = "bare" }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Guid.Parse(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
    }

    private static async Task<JsonElement> ImageJsonAsync(HttpClient api, Guid id) =>
        JsonDocument.Parse(await api.GetStringAsync($"/image/v2/images/{id:D}")).RootElement;

    private static async Task<string?> StatusAsync(HttpClient api, Guid id) =>
        (await ImageJsonAsync(api, id)).GetProperty("status").GetString();

    private PortalDbContext Database() => new(new DbContextOptionsBuilder<PortalDbContext>()
        .UseSqlite(DatabaseInitializer.ConnectionString(Path.Combine(_data, "portal.db"))).Options);

    private async Task<Image> StoredImageAsync(Guid id)
    {
        await using var db = Database();
        return await db.Images.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    private void AssertDatabaseIntact()
    {
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "portal.db")};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", command.ExecuteScalar() as string);
        }
    }

    /// <summary>Every active image's stored file still hashes to the SHA-512 recorded when it arrived.</summary>
    private async Task AssertActiveImagesVerifyAsync()
    {
        await using var db = Database();
        var active = await db.Images.AsNoTracking().Where(i => i.Status == ImageStatus.Active).ToListAsync();
        Assert.NotEmpty(active);
        foreach (var image in active)
        {
            Assert.Equal(ImageIntegrity.Intact, image.Integrity);
            Assert.Equal(image.OsHashValue, await Sha512Async(Path.Combine(ImagesFolder, image.Id.ToString("D"))));
        }
    }

    private static async Task<string> Sha512Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA512.HashDataAsync(stream));
    }

    /// <summary>A sparse file with a few random blocks, so that a misplaced byte would change its hash.</summary>
    private string LargeFile(long length)
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-crash-{Guid.NewGuid():N}.img");
        _scratch.Add(path);
        using var stream = new FileStream(path, FileMode.CreateNew);
        stream.SetLength(length);
        foreach (var offset in new[] { 0L, length / 3, length - 4096 })
        {
            stream.Position = offset;
            stream.Write(RandomNumberGenerator.GetBytes(4096));
        }

        return path;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var path in _scratch)
        {
            File.Delete(path);
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }

    /// <summary><c>dotnet Portal.dll</c> from the test's build output, on a free loopback port, with its own data folder.</summary>
    private sealed class PortalProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private PortalProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static IEnumerable<(string Key, string Value)> Settings(string data) =>
        [
            ("Portal__DataDirectory", data),
            ("Portal__Storage__FreeSpaceReserveGb", "0"),
            ("Portal__Demo__SeedUsers", "true"),
            ("Portal__Demo__SeedCatalog", "true"),
            ("Portal__Demo__Password", PortalAppFactory.DemoPassword),
            ("Portal__SignIn__SecureCookie", "false"),
        ];

        public static async Task<PortalProcess> StartAsync(string data, IReadOnlyDictionary<string, string>? extra = null)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Portal.dll"));
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            foreach (var (key, value) in Settings(data).Concat((extra ?? new Dictionary<string, string>()).Select(p => (p.Key, p.Value))))
            {
                start.Environment[key] = value;
            }

            var portal = new PortalProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
            portal._process.OutputDataReceived += (_, line) => portal.Append(line.Data);
            portal._process.ErrorDataReceived += (_, line) => portal.Append(line.Data);
            portal._process.BeginOutputReadLine();
            portal._process.BeginErrorReadLine();
            try
            {
                using var client = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    Assert.False(portal._process.HasExited, $"The portal stopped at start: {portal.Output}");
                    Assert.True(DateTime.UtcNow < deadline, $"The portal did not answer within a minute: {portal.Output}");
                    try
                    {
                        using var response = await client.GetAsync("/identity/v3");
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            return portal;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // Not listening yet.
                    }

                    await Task.Delay(100);
                }
            }
            catch
            {
                await portal.DisposeAsync();
                throw;
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        /// <summary>A token for the credential, issued by the running process's identity endpoint.</summary>
        public async Task<HttpClient> ApiClientAsync(string credentialId, string secret)
        {
            var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.PostAsync("/identity/v3/auth/tokens", Json(new
            {
                auth = new { identity = new { methods = new[] { IdentityEndpoints.ApplicationCredentialMethod }, application_credential = new { id = credentialId, secret } } },
            }));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            client.DefaultRequestHeaders.Add(ApiTokenAuthentication.Header, Assert.Single(response.Headers.GetValues(IdentityEndpoints.SubjectTokenHeader)));
            return client;
        }

        /// <summary>SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(10)), "The portal did not die.");
            SqliteConnection.ClearAllPools();
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }

            _process.Dispose();
            SqliteConnection.ClearAllPools();
            return ValueTask.CompletedTask;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    /// <summary>curl uploading a file to the Image API, as a separate process.</summary>
    private sealed class Curl : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private Curl(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static Curl Upload(Uri baseAddress, HttpClient api, Guid id, string file, string? limitRate)
        {
            var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-sS", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "-T", file,
                "-H", $"{ApiTokenAuthentication.Header}: {api.DefaultRequestHeaders.GetValues(ApiTokenAuthentication.Header).Single()}",
                "-H", "Content-Type: application/octet-stream" })
            {
                start.ArgumentList.Add(argument);
            }

            if (limitRate is not null)
            {
                start.ArgumentList.Add("--limit-rate");
                start.ArgumentList.Add(limitRate);
            }

            start.ArgumentList.Add(new Uri(baseAddress, $"/image/v2/images/{id:D}/file").ToString());
            return new Curl(Process.Start(start)!);
        }

        /// <summary>The HTTP status curl saw, once it finished (bounded).</summary>
        public async Task<string> ResultAsync(TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(deadline.Token);
            Assert.True(_process.ExitCode == 0, $"curl exited {_process.ExitCode}: {await _stderr}");
            return await _stdout;
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }
    }

    /// <summary>
    /// A loopback web server for one image: the first <c>held</c> requests get a quarter of the bytes and then nothing (the
    /// portal is killed while it waits); later requests get the whole image.
    /// </summary>
    private sealed class HoldingImageServer : IAsyncDisposable
    {
        public static readonly byte[] Body = RandomNumberGenerator.GetBytes(4 << 20);
        private readonly WebApplication _app;
        private int _requests;

        private readonly int _held;

        private HoldingImageServer(WebApplication app, int held)
        {
            _app = app;
            _held = held;
        }

        public int Port { get; private set; }

        public int Requests => Volatile.Read(ref _requests);

        public string Url => $"http://127.0.0.1:{Port}/image.img";

        public static async Task<HoldingImageServer> StartAsync(int held)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var server = new HoldingImageServer(app, held);
            app.MapGet("/image.img", async (HttpContext context) =>
            {
                var hold = Interlocked.Increment(ref server._requests) <= server._held;
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = Body.Length;
                if (!hold)
                {
                    await context.Response.Body.WriteAsync(Body, context.RequestAborted);
                    return;
                }

                await context.Response.Body.WriteAsync(Body.AsMemory(0, Body.Length / 4), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(2), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The portal went away.
                }

                context.Abort();
            });
            await app.StartAsync();
            server.Port = new Uri(app.Urls.Single()).Port;
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
    }
}
