using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Configuration;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>
/// Which database the test run uses: SQLite (the default) or, with <c>PORTAL_TEST_DATABASE=postgresql</c>, one
/// PostgreSQL server for the whole run (<see cref="PostgresServer"/>) with a fresh database per test database or app.
/// </summary>
public static class TestDatabaseProvider
{
    public const string Variable = "PORTAL_TEST_DATABASE";

    /// <summary>The trait that keeps a test out of the PostgreSQL pass: it is about SQLite itself (its file on disk, its query planner).</summary>
    public const string Trait = "Database";

    public const string SqliteOnly = "SqliteOnly";

    public static DatabaseProvider Current { get; } =
        Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "sqlite" => DatabaseProvider.Sqlite,
            "postgresql" or "postgres" => DatabaseProvider.PostgreSql,
            var other => throw new InvalidOperationException($"{Variable}={other}: use sqlite or postgresql."),
        };

    public static bool IsPostgreSql => Current == DatabaseProvider.PostgreSql;
}

/// <summary>A database of its own on the run's PostgreSQL server; dropped on dispose.</summary>
public sealed class PostgresDatabase(PostgresServer server, string name, string connectionString) : IDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    /// <summary>The app's settings that point it at this database.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Database:Provider"] = nameof(DatabaseProvider.PostgreSql),
        ["Portal:Database:ConnectionString"] = ConnectionString,
    };

    public void Dispose() => server.Drop(this);
}

/// <summary>
/// Debian's PostgreSQL 15 (<c>initdb</c> + <c>pg_ctl</c> from /usr/lib/postgresql/15/bin), started once per test
/// process in a temporary folder, listening on 127.0.0.1 only on a free port, run as an unprivileged user when the
/// tests run as root (PostgreSQL refuses root). Stopped when the process exits; a watchdog stops it if the test host
/// dies without exiting. Each database is a copy of one migrated template, so a test pays for a CREATE DATABASE, not
/// for the migrations.
/// </summary>
public sealed class PostgresServer
{
    private const string BinFolder = "/usr/lib/postgresql/15/bin";
    private const string User = "portal";
    private const string Template = "portal_template";

    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _folder;
    private readonly string? _runAs;
    private readonly int _port;

    private PostgresServer(string folder, string? runAs, int port)
    {
        _folder = folder;
        _runAs = runAs;
        _port = port;
    }

    public static PostgresServer Shared => Instance.Value;

    private string DataFolder => Path.Combine(_folder, "data");

    /// <summary>A fresh, migrated database without rows.</summary>
    public static PostgresDatabase CreateDatabase() => Shared.Create(Template);

    /// <summary>A database without even a schema, as a new deployment's would be.</summary>
    public static PostgresDatabase CreateEmptyDatabase() => Shared.Create("template0");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = User,
        Database = database,
        // Every test database has its own pool; idle connections are closed soon so that drops find few.
        ConnectionIdleLifetime = 10,
        MaxPoolSize = 30,
    }.ToString();

    /// <summary>The whole database as SQL text (schema and every row), written by pg_dump.</summary>
    public static string Dump(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString);
        return Run(Path.Combine(BinFolder, "pg_dump"), "-h", database.Host!, "-p", database.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-U", database.Username!, "--no-password", database.Database!);
    }

    private PostgresDatabase Create(string template)
    {
        var name = $"portal_{Guid.NewGuid():N}";
        Execute($"CREATE DATABASE {name} TEMPLATE {template}");
        return new PostgresDatabase(this, name, ConnectionStringFor(name));
    }

    internal void Drop(PostgresDatabase database) => DropDatabase(database.ConnectionString);

    /// <summary>Drops the database, closing whatever connections it still has (its pool's and anyone else's).</summary>
    public static void DropDatabase(string connectionString)
    {
        using (var connection = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        Shared.Execute($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(connectionString).Database} WITH (FORCE)");
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static PostgresServer Start()
    {
        if (!File.Exists(Path.Combine(BinFolder, "initdb")))
        {
            throw new InvalidOperationException($"{BinFolder}/initdb is missing: install Debian's postgresql package (./test.sh does).");
        }

        var folder = Directory.CreateTempSubdirectory("portal-pg-").FullName;
        var runAs = Environment.UserName == "root" ? UnprivilegedUser() : null;
        if (runAs is not null)
        {
            Run("chown", runAs, folder);
        }

        var server = new PostgresServer(folder, runAs, FreePort());
        server.StartWatchdog();
        server.RunPostgres("initdb", "-D", server.DataFolder, "-U", User, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync");
        server.RunPostgres("pg_ctl", "-D", server.DataFolder, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {server._port} -k {folder} -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=400 -c shared_buffers=64MB", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();

        server.Execute($"CREATE DATABASE {Template}");
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql(server.ConnectionStringFor(Template) + ";Pooling=false").Options;
        using (var db = PortalDbContext.Create(options, DatabaseProvider.PostgreSql))
        {
            db.Database.Migrate();
        }

        return server;
    }

    private void Stop()
    {
        try
        {
            RunPostgres("pg_ctl", "-D", DataFolder, "-m", "immediate", "-w", "stop");
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The process is ending; the watchdog and the OS temp cleaner take what is left.
        }
    }

    /// <summary>Stops the server if this process is killed (ProcessExit never runs then).</summary>
    private void StartWatchdog()
    {
        var script = $"exec >/dev/null 2>&1 </dev/null; while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; " +
            $"{BinFolder}/pg_ctl -D '{DataFolder}' -m immediate stop; rm -rf '{_folder}'";
        var start = new ProcessStartInfo(_runAs is null ? "setsid" : "runuser") { UseShellExecute = false };
        if (_runAs is not null)
        {
            foreach (var argument in new[] { "-u", _runAs, "--", "setsid" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        Process.Start(start)?.Dispose();
    }

    private void RunPostgres(string program, params string[] arguments)
    {
        var path = Path.Combine(BinFolder, program);
        if (_runAs is null)
        {
            Run(path, arguments);
        }
        else
        {
            Run("runuser", ["-u", _runAs, "--", path, .. arguments]);
        }
    }

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output.Result
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result} {output.Result}");
    }

    /// <summary>Debian's postgresql package creates <c>postgres</c>; <c>nobody</c> exists everywhere.</summary>
    private static string UnprivilegedUser()
    {
        try
        {
            Run("id", "-u", "postgres");
            return "postgres";
        }
        catch (InvalidOperationException)
        {
            return "nobody";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
