using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// Debian's OpenStack Glance (<c>glance-api</c>) run by hand on 127.0.0.1 and a free port, everything in one folder:
/// no Keystone (an empty paste flavor gives the unauthenticated pipeline), SQLite made by <c>glance-manage db_sync</c>,
/// the filesystem store, its default sha512 hashing, one worker (one upload is served by one worker process anyway).
/// Runs as root (it drops no privileges and needs none). Stopped, with its child, when disposed.
/// </summary>
public sealed class GlanceServer : IAsyncDisposable
{
    public const string ApiPath = "/usr/bin/glance-api";
    public const string ManagePath = "/usr/bin/glance-manage";
    public const string PastePath = "/etc/glance/glance-api-paste.ini";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly HttpClient _http;

    private GlanceServer(Process process, Uri baseAddress, string folder)
    {
        _process = process;
        BaseAddress = baseAddress;
        Folder = folder;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    public Uri BaseAddress { get; }

    public string Folder { get; }

    public string ImagesFolder => Path.Combine(Folder, "images");

    public static bool Installed() => File.Exists(ApiPath) && File.Exists(ManagePath) && File.Exists(PastePath);

    /// <summary>Installs Debian's <c>glance-api</c> with apt-get when it is missing and this process may (root).</summary>
    public static async Task<bool> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        if (Installed())
        {
            return true;
        }

        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
        {
            Console.WriteLine("glance     not measured: glance-api is not installed (Debian: sudo apt-get install -y glance-api, or run ./benchmark.sh)");
            return false;
        }

        Console.WriteLine("glance     installing Debian's glance-api (apt-get install -y glance-api) …");
        var start = new ProcessStartInfo("/usr/bin/apt-get") { UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var argument in new[] { "install", "-y", "-q", "glance-api" })
        {
            start.ArgumentList.Add(argument);
        }

        using var apt = Process.Start(start) ?? throw new InvalidOperationException("Could not start apt-get.");
        await apt.WaitForExitAsync(cancellationToken);
        return apt.ExitCode == 0 && Installed();
    }

    public static async Task<GlanceServer> StartAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        Directory.CreateDirectory(Path.Combine(folder, "staging"));
        var port = FreePort();
        var config = Path.Combine(folder, "glance-api.conf");
        var paste = Path.Combine(folder, "glance-api-paste.ini");
        File.Copy(PastePath, paste);
        await File.WriteAllTextAsync(config, $"""
            [DEFAULT]
            bind_host = 127.0.0.1
            bind_port = {port}
            workers = 1
            log_file = {Path.Combine(folder, "glance-api.log")}
            use_stderr = false
            [database]
            connection = sqlite:///{Path.Combine(folder, "glance.db")}
            [paste_deploy]
            flavor =
            config_file = {paste}
            [glance_store]
            stores = file
            default_store = file
            filesystem_store_datadir = {Path.Combine(folder, "images")}/
            [os_glance_staging_store]
            filesystem_store_datadir = {Path.Combine(folder, "staging")}/
            [os_glance_tasks_store]
            filesystem_store_datadir = {Path.Combine(folder, "staging")}/
            """, cancellationToken);

        await ExternalCommand.CheckedAsync(ManagePath, ["--config-file", config, "db_sync"], StartTimeout, cancellationToken);

        var start = new ProcessStartInfo(ApiPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add("--config-file");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ApiPath}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new GlanceServer(process, new Uri($"http://127.0.0.1:{port}"), folder);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                var log = Path.Combine(folder, "glance-api.log");
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(10)) : "";
                throw new InvalidOperationException($"glance-api exited ({process.ExitCode}) while starting: {tail}");
            }

            try
            {
                using var response = await server._http.GetAsync("/versions", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"glance-api did not answer on {server.BaseAddress} within {StartTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary><c>POST /v2/images</c>: a queued raw image; returns its id.</summary>
    public async Task<Guid> CreateImageAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/v2/images", new { name, disk_format = "raw", container_format = "bare" }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return Guid.Parse((string?)json?["id"] ?? throw new InvalidOperationException("Glance returned no image id."));
    }

    public string FileUrl(Guid id) => new Uri(BaseAddress, $"/v2/images/{id:D}/file").ToString();

    /// <summary>Throws unless Glance holds the image active with the file's size, MD5 and SHA-512; then deletes it.</summary>
    public async Task VerifyAndDeleteAsync(Guid id, SourceFile file, CancellationToken cancellationToken)
    {
        var json = await _http.GetFromJsonAsync<JsonObject>($"/v2/images/{id:D}", cancellationToken);
        var status = (string?)json?["status"];
        var size = (long?)json?["size"];
        if (status != "active" || size != file.Length || (string?)json?["checksum"] != file.Md5
            || (string?)json?["os_hash_algo"] != "sha512" || (string?)json?["os_hash_value"] != file.Sha512)
        {
            throw new InvalidOperationException($"Glance's image {id} does not match {file.Path}: {status}, {size} bytes, {json?["os_hash_algo"]}.");
        }

        using var deleted = await _http.DeleteAsync($"/v2/images/{id:D}", cancellationToken);
        deleted.EnsureSuccessStatusCode();
    }

    /// <summary>CPU time of glance-api and its worker processes so far (utime + stime from /proc).</summary>
    public TimeSpan CpuTime()
    {
        var ticks = 0L;
        foreach (var pid in ProcessTree(_process.Id))
        {
            try
            {
                var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static IEnumerable<int> ProcessTree(int pid)
    {
        yield return pid;
        var children = $"/proc/{pid}/task/{pid}/children";
        var list = File.Exists(children) ? File.ReadAllText(children) : "";
        foreach (var child in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var descendant in ProcessTree(int.Parse(child, CultureInfo.InvariantCulture)))
            {
                yield return descendant;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
