using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Portal.Configuration;
using Portal.Tests.Support;

namespace Portal.Tests.ScaleDemo;

/// <summary>
/// The scaled-out setup on one machine (<c>./scale-demo.sh</c>): PostgreSQL and OpenStack Swift with s3api, started from
/// Debian's packages in temporary folders on loopback ports (the tests' own servers), and two portal instances on them
/// (Development: demo users, plain HTTP on 127.0.0.1). Stops everything on Ctrl-C.
/// </summary>
public static class ScaleDemo
{
    public const int DefaultFirstPort = 5101;
    private const int PartSizeMb = 16;

    public static async Task<int> RunAsync(string portalFolder, int firstPort)
    {
        var portalDll = Path.Combine(portalFolder, "bin", "Debug", "net10.0", "Portal.dll");
        if (!File.Exists(portalDll))
        {
            await Console.Error.WriteLineAsync($"{portalDll} is missing: build first (dotnet build Portal.sln; ./scale-demo.sh does).");
            return 1;
        }

        var ports = new[] { firstPort, firstPort + 1 };
        if (ports.FirstOrDefault(p => !IsFree(p)) is var taken and > 0)
        {
            await Console.Error.WriteLineAsync($"Port {taken} on 127.0.0.1 is in use: stop what listens there or pass another first port (./scale-demo.sh --port 6101).");
            return 1;
        }

        // Ctrl-C, kill or a closed terminal: our own shutdown, so that the instances stop first and the servers' exit
        // handlers run after them.
        using var stop = new CancellationTokenSource();
        using var interrupted = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminated = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var hungUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        Console.WriteLine("Starting PostgreSQL (Debian's postgresql 15, a temporary cluster on loopback)…");
        var database = PostgresServer.CreateEmptyDatabase();
        Console.WriteLine("Starting OpenStack Swift with s3api and memcached (Debian's swift 2.30, temporary rings on loopback)…");
        var swift = await SwiftServer.SharedAsync();
        var store = swift.StoreOptions(bucket: "portal-images", partSizeMb: PartSizeMb);
        var settings = new Dictionary<string, string>(database.Settings)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        };
        foreach (var (key, value) in swift.PortalSettings(store))
        {
            settings[key] = value;
        }

        var work = Directory.CreateTempSubdirectory("portal-scale-demo-").FullName;
        var instances = new List<Instance>();
        try
        {
            // One after the other: the first migrates the empty database and seeds the demo, the second finds it done.
            foreach (var (name, port) in new[] { ("A", ports[0]), ("B", ports[1]) })
            {
                Console.WriteLine($"Starting portal instance {name} on http://127.0.0.1:{port} …");
                var instance = Instance.Start(name, portalFolder, portalDll, port, Path.Combine(work, name), settings);
                instances.Add(instance);
                await instance.WaitUntilReadyAsync(stop.Token);
            }

            Console.WriteLine($"""

                The scaled-out portal is running:
                  instance A   http://127.0.0.1:{ports[0]}/
                  instance B   http://127.0.0.1:{ports[1]}/
                  PostgreSQL   {Redacted(database.ConnectionString)}
                  Swift (S3)   {store.ServiceUrl} bucket {store.Bucket} (access key {store.AccessKey})
                Sign in on either as alice@demo.local, bob@demo.local or operator@demo.local (password Demo-pass-1):
                an upload on A shows live on a page open on B, and one sign-in works on both.
                Health: http://127.0.0.1:{ports[0]}/health/ready and http://127.0.0.1:{ports[1]}/health/ready
                Press Ctrl-C to stop everything.
                """);

            var stoppedByItself = Task.WhenAny(instances.Select(i => i.Exited));
            await Task.WhenAny(stoppedByItself, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
            if (!stop.IsCancellationRequested)
            {
                var stopped = await await stoppedByItself;
                await Console.Error.WriteLineAsync($"Instance {stopped.Name} stopped by itself (exit code {stopped.ExitCode}); its last output:\n{stopped.Tail}");
                return 1;
            }

            return 0;
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            if (!stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }

            return 0;
        }
        finally
        {
            Console.WriteLine("Stopping the portal instances, Swift and PostgreSQL…");
            foreach (var instance in instances)
            {
                instance.Stop();
            }

            database.Dispose();
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Redacted(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ToString();

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>One <c>dotnet Portal.dll</c> process, its content root the Portal project folder as with dotnet run.</summary>
    private sealed class Instance
    {
        private readonly Process _process;
        private readonly Queue<string> _tail = new();

        private Instance(string name, int port, Process process)
        {
            Name = name;
            Port = port;
            _process = process;
            Exited = process.WaitForExitAsync().ContinueWith(_ => this, TaskScheduler.Default);
        }

        public string Name { get; }

        public int Port { get; }

        public Task<Instance> Exited { get; }

        public int ExitCode => _process.ExitCode;

        public string Tail
        {
            get
            {
                lock (_tail)
                {
                    return string.Join('\n', _tail);
                }
            }
        }

        public static Instance Start(string name, string portalFolder, string portalDll, int port, string dataFolder, IReadOnlyDictionary<string, string> settings)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = portalFolder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(portalDll);
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            start.Environment["Portal__DataDirectory"] = dataFolder;
            foreach (var (key, value) in settings)
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }

            var instance = new Instance(name, port, Process.Start(start)!);
            instance._process.OutputDataReceived += (_, line) => instance.Keep(line.Data);
            instance._process.ErrorDataReceived += (_, line) => instance.Keep(line.Data);
            instance._process.BeginOutputReadLine();
            instance._process.BeginErrorReadLine();
            return instance;
        }

        public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"Instance {Name} did not become ready; its last output:\n{Tail}");
                }

                try
                {
                    using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{Port}/health/ready"), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(250, cancellationToken);
            }
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                // SIGTERM: the host shuts down gracefully (transfers end, leases are released).
                Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(20)))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > 40)
                {
                    _tail.Dequeue();
                }
            }
        }
    }
}
