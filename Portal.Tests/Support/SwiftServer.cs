using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portal.Configuration;

namespace Portal.Tests.Support;

/// <summary>
/// A real OpenStack Swift (Debian's swift-proxy, swift-account, swift-container, swift-object) with its s3api
/// middleware, on loopback ports, in an empty temporary folder: one for the whole test process, started on first use
/// and stopped when the process exits. One replica, one device, tempauth user <c>test:tester</c> / <c>testing</c>
/// (its S3 access key and secret), memcached for the cache filter tempauth needs. A second one, started on first use
/// too, serves its proxy over TLS with a certificate of an authority the test makes (<see cref="SharedTlsAsync"/>).
/// </summary>
public sealed class SwiftServer
{
    public const string AccessKey = "test:tester";
    public const string SecretKey = "testing";

    private static readonly Lazy<Task<SwiftServer>> Started = new(() => StartAsync(tls: false));
    private static readonly Lazy<Task<SwiftServer>> StartedWithTls = new(() => StartAsync(tls: true));

    private readonly List<Process> _processes = [];

    private SwiftServer(string folder, bool tls)
    {
        Folder = folder;
        CaCertificateFile = tls ? Path.Combine(folder, "ca.pem") : null;
    }

    /// <summary>The process-wide Swift; the first caller waits for it to start.</summary>
    public static Task<SwiftServer> SharedAsync() => Started.Value;

    /// <summary>
    /// The process-wide Swift whose proxy speaks https only (a certificate for 127.0.0.1 signed by
    /// <see cref="CaCertificateFile"/>): the S3 SDK then sends parts with UNSIGNED-PAYLOAD instead of hashing each one.
    /// </summary>
    public static Task<SwiftServer> SharedTlsAsync() => StartedWithTls.Value;

    public string Folder { get; }

    /// <summary>The PEM certificate of the authority that signed the proxy's certificate; null over plain http.</summary>
    public string? CaCertificateFile { get; }

    public Uri ServiceUrl { get; private set; } = null!;

    /// <summary>From an empty folder to every server answering its health check.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>Settings of an S3 image store in a bucket of its own (created on first use), so tests do not see each other's objects.</summary>
    public S3StoreOptions StoreOptions(string? bucket = null, int partSizeMb = S3StoreOptions.MinPartSizeMb) => new()
    {
        ServiceUrl = ServiceUrl.ToString(),
        Bucket = bucket ?? NewBucketName(),
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        Region = "us-east-1",
        ForcePathStyle = true,
        PartSizeMb = partSizeMb,
        CreateBucket = true,
        CaCertificateFile = CaCertificateFile,
    };

    /// <summary>The same as configuration keys, for a portal started by the tests.</summary>
    public IEnumerable<KeyValuePair<string, string>> PortalSettings(S3StoreOptions store) =>
    [
        new("Portal:ImageStore:Kind", "S3"),
        new("Portal:ImageStore:S3:ServiceUrl", store.ServiceUrl!),
        // Empty over plain http: no authority of the tests' own to trust.
        new("Portal:ImageStore:S3:CaCertificateFile", store.CaCertificateFile ?? ""),
        new("Portal:ImageStore:S3:Bucket", store.Bucket),
        new("Portal:ImageStore:S3:AccessKey", store.AccessKey),
        new("Portal:ImageStore:S3:SecretKey", store.SecretKey),
        new("Portal:ImageStore:S3:Region", store.Region),
        new("Portal:ImageStore:S3:PartSizeMb", store.PartSizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Portal:ImageStore:S3:CreateBucket", "true"),
        // The configuration check refuses a larger maximum image than the store's parts can take (PartSizeMb × MaxParts).
        new("Portal:Images:MaxImageSizeBytes", store.MaxObjectBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public static string NewBucketName() => $"portal-{Guid.NewGuid():N}"[..30];

    private static async Task<SwiftServer> StartAsync(bool tls)
    {
        foreach (var tool in new[] { "swift-proxy-server", "swift-account-server", "swift-container-server", "swift-object-server", "memcached" })
        {
            if (!File.Exists(Path.Combine("/usr/bin", tool)))
            {
                throw new InvalidOperationException($"{tool} is missing: install Debian's swift-proxy swift-account swift-container swift-object memcached (./test.sh does).");
            }
        }

        RemoveFoldersOfGoneProcesses();
        var server = new SwiftServer(Directory.CreateTempSubdirectory(FolderPrefix).FullName, tls);
        await File.WriteAllTextAsync(Path.Combine(server.Folder, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        var clock = Stopwatch.StartNew();
        try
        {
            await server.StartProcessesAsync();
        }
        catch
        {
            server.Stop();
            throw;
        }

        server.StartTime = clock.Elapsed;
        return server;
    }

    private const string FolderPrefix = "portal-swift-";
    private const string OwnerFile = "owner";
    private const string ServerPidSuffix = ".server-pid";

    /// <summary>
    /// Kills the servers whose ids the launching shells recorded, each only if that id still names the same process
    /// (its start time matches): an id may have been reused since.
    /// </summary>
    private static void KillRecordedServers(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*" + ServerPidSuffix))
        {
            var recorded = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (recorded.Length != 2 || !int.TryParse(recorded[0], out var pid) || StartTimeOf(pid) != recorded[1])
            {
                continue;
            }

            try
            {
                using var server = Process.GetProcessById(pid);
                server.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
    }

    /// <summary>Field 22 of /proc/{pid}/stat (start time in clock ticks after boot); null when there is no such process.</summary>
    private static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return afterName.Length > 19 ? afterName[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The folders of earlier test processes that ended without their exit handler (their servers stopped with them).</summary>
    private static void RemoveFoldersOfGoneProcesses()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                var owner = Path.Combine(folder, OwnerFile);
                // No owner file: a removal cut short (or a folder just being made by another test process, hence the age).
                var gone = File.Exists(owner)
                    ? int.TryParse(File.ReadAllText(owner), out var pid) && !Directory.Exists($"/proc/{pid}")
                    : Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddMinutes(-10);
                if (gone)
                {
                    KillRecordedServers(folder);
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // Removed by someone else meanwhile, or busy: the next start tries again.
            }
        }
    }

    private async Task StartProcessesAsync()
    {
        var ports = FreePorts(5);
        var (proxy, account, container, objectPort, memcache) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        Directory.CreateDirectory(Path.Combine(Folder, "devices", "d1"));
        await File.WriteAllTextAsync(Path.Combine(Folder, "swift.conf"), $"""
            [swift-hash]
            swift_hash_path_suffix = {Guid.NewGuid():N}
            swift_hash_path_prefix = {Guid.NewGuid():N}

            [storage-policy:0]
            name = Policy-0
            default = yes
            """);
        await File.WriteAllTextAsync(Path.Combine(Folder, "rings.py"), """
            import sys
            from swift.common.ring import RingBuilder
            folder = sys.argv[1]
            for kind, port in zip(("account", "container", "object"), map(int, sys.argv[2:5])):
                builder = RingBuilder(4, 1, 1)
                builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "device": "d1", "weight": 100, "meta": ""})
                builder.rebalance()
                builder.get_ring().save(f"{folder}/{kind}.ring.gz")
            """);
        await RunAsync("/usr/bin/python3", Path.Combine(Folder, "rings.py"), Folder, $"{account}", $"{container}", $"{objectPort}");

        foreach (var (kind, port) in new[] { ("account", account), ("container", container), ("object", objectPort) })
        {
            await File.WriteAllTextAsync(Path.Combine(Folder, $"{kind}-server.conf"), $"""
                [DEFAULT]
                bind_ip = 127.0.0.1
                bind_port = {port}
                workers = 0
                user = {Environment.UserName}
                swift_dir = {Folder}
                devices = {Path.Combine(Folder, "devices")}
                mount_check = false
                log_name = {kind}

                [pipeline:main]
                pipeline = healthcheck {kind}-server

                [filter:healthcheck]
                use = egg:swift#healthcheck

                [app:{kind}-server]
                use = egg:swift#{kind}
                """);
        }

        // Swift's own TLS (eventlet's), which its docs call fit for testing only: in production a proxy in front ends TLS.
        var tls = CaCertificateFile is null ? "" : $"""
            cert_file = {WriteCertificates()}
            key_file = {Path.Combine(Folder, "proxy-key.pem")}
            """;

        // slo after s3api, or s3api's multipart uploads are silently switched off.
        await File.WriteAllTextAsync(Path.Combine(Folder, "proxy-server.conf"), $"""
            [DEFAULT]
            bind_ip = 127.0.0.1
            bind_port = {proxy}
            {tls}
            workers = 0
            user = {Environment.UserName}
            swift_dir = {Folder}
            log_name = proxy

            [pipeline:main]
            pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

            [app:proxy-server]
            use = egg:swift#proxy
            account_autocreate = true

            [filter:tempauth]
            use = egg:swift#tempauth
            user_test_tester = {SecretKey} .admin

            [filter:s3api]
            use = egg:swift#s3api

            [filter:cache]
            use = egg:swift#memcache
            memcache_servers = 127.0.0.1:{memcache}

            [filter:catch_errors]
            use = egg:swift#catch_errors
            [filter:gatekeeper]
            use = egg:swift#gatekeeper
            [filter:healthcheck]
            use = egg:swift#healthcheck
            [filter:proxy-logging]
            use = egg:swift#proxy_logging
            [filter:listing_formats]
            use = egg:swift#listing_formats
            [filter:bulk]
            use = egg:swift#bulk
            [filter:tempurl]
            use = egg:swift#tempurl
            [filter:ratelimit]
            use = egg:swift#ratelimit
            [filter:copy]
            use = egg:swift#copy
            [filter:container-quotas]
            use = egg:swift#container_quotas
            [filter:account-quotas]
            use = egg:swift#account_quotas
            [filter:slo]
            use = egg:swift#slo
            [filter:dlo]
            use = egg:swift#dlo
            [filter:versioned_writes]
            use = egg:swift#versioned_writes
            [filter:symlink]
            use = egg:swift#symlink
            """);

        Launch("memcached", "/usr/bin/memcached", "-u", Environment.UserName, "-l", "127.0.0.1", "-p", $"{memcache}", "-U", "0");
        foreach (var kind in new[] { "account", "container", "object", "proxy" })
        {
            Launch(kind, $"/usr/bin/swift-{kind}-server", Path.Combine(Folder, $"{kind}-server.conf"));
        }

        ServiceUrl = new Uri($"{(CaCertificateFile is null ? "http" : "https")}://127.0.0.1:{proxy}/");
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var port in new[] { account, container, objectPort })
        {
            await WaitHealthyAsync(http, new Uri($"http://127.0.0.1:{port}/"));
        }

        using var proxyClient = CaCertificateFile is null
            ? new HttpClient(new SocketsHttpHandler { UseProxy = false })
            : new Portal.Images.ObjectStore.S3TrustedCertificates(StoreOptions().TrustedCertificates()).CreateHttpClient(new Amazon.S3.AmazonS3Config());
        proxyClient.Timeout = TimeSpan.FromSeconds(5);
        await WaitHealthyAsync(proxyClient, ServiceUrl);
    }

    /// <summary>
    /// A certificate authority (its certificate in <see cref="CaCertificateFile"/>) and the proxy's certificate for
    /// 127.0.0.1 and localhost signed by it; returns the path of the proxy's certificate.
    /// </summary>
    private string WriteCertificates()
    {
        using var authority = TestCertificates.NewAuthority("Portal tests' object store authority");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = TestCertificates.NewServerCertificate(authority, key);

        var certificatePath = Path.Combine(Folder, "proxy-certificate.pem");
        File.WriteAllText(CaCertificateFile!, authority.ExportCertificatePem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Folder, "proxy-key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificatePath;
    }

    private async Task WaitHealthyAsync(HttpClient http, Uri server)
    {
        // Generous: on a busy two-core machine Python's start alone can take many seconds.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } died)
            {
                throw new InvalidOperationException($"A Swift process exited with {died.ExitCode} during start; logs in {Folder}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(server, "healthcheck"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Swift did not answer on {server} in time; logs in {Folder}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Starts a server with its output in a log file of the folder (a pipe nobody reads would fill up and stall it),
    /// under a small shell that stops it when the test process is gone: a test host killed by its runner never runs
    /// its exit handlers, and Swift's servers would live on.
    /// </summary>
    private void Launch(string name, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""
            "$0" "$@" >"$LOG" 2>&1 &
            child=$!
            echo "$child $(cut -d' ' -f22 /proc/$child/stat)" >"$PIDFILE"
            while kill -0 "$WATCH" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
            kill "$child" 2>/dev/null
            wait "$child"
            """);
        start.ArgumentList.Add(program);
        arguments.ToList().ForEach(start.ArgumentList.Add);
        start.Environment["LOG"] = Path.Combine(Folder, name + ".log");
        start.Environment["PIDFILE"] = Path.Combine(Folder, name + ServerPidSuffix);
        start.Environment["WATCH"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _processes.Add(Process.Start(start) ?? throw new InvalidOperationException($"{program} could not be started."));
    }

    private void Stop()
    {
        // The servers by their recorded ids first (a shell killed before its child leaves the child behind), then
        // their shells; everything is signalled first and waited for after: the exit handler may not get long.
        try
        {
            KillRecordedServers(Folder);
        }
        catch (IOException)
        {
            // The shells below take their servers with them when they can.
        }

        foreach (var process in _processes)
        {
            try
            {
                process.Kill();
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        foreach (var process in _processes)
        {
            process.WaitForExit(2_000);
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} could not be started.");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }
    }

    /// <summary>Ports free now, all different (held open together while they are picked).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
