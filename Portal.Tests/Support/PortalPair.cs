using Microsoft.Data.Sqlite;

namespace Portal.Tests.Support;

/// <summary>
/// Two portal instances on real Kestrel ports sharing one database and one image store, as two instances behind a load
/// balancer share them: each has its own service provider (key ring cache, in-process events, background jobs), only
/// what lies in the database and the store is common. The settings given with <see cref="With"/> go to both, so the same
/// pair runs against another database or store by configuration.
/// </summary>
public class PortalPair : IAsyncLifetime
{
    private readonly Dictionary<string, string> _settings = new()
    {
        // The change poller runs often in tests: a page on one instance hears of the other's change within a few ticks.
        ["Portal:Instances:ChangePollMilliseconds"] = "200",
    };

    public string DataFolder { get; } = Directory.CreateTempSubdirectory("portal-pair-").FullName;

    public PortalPair()
        : this(postgreSql: TestDatabaseProvider.IsPostgreSql)
    {
    }

    /// <summary>A pair on one PostgreSQL database of its own when <paramref name="postgreSql"/>, else on portal.db in <see cref="DataFolder"/>.</summary>
    protected PortalPair(bool postgreSql) => Database = postgreSql ? PostgresServer.CreateDatabase() : null;

    /// <summary>The pair's one PostgreSQL database (null with SQLite: both share portal.db in <see cref="DataFolder"/>).</summary>
    public PostgresDatabase? Database { get; }

    public KestrelPortal A { get; private set; } = null!;

    public KestrelPortal B { get; private set; } = null!;

    public PortalPair With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    public virtual Task InitializeAsync()
    {
        // One after the other: the first brings the database up to date, the second finds it so.
        A = Start();
        B = Start();
        return Task.CompletedTask;
    }

    private KestrelPortal Start()
    {
        var portal = new KestrelPortal(DataFolder, Database);
        foreach (var (key, value) in _settings)
        {
            portal.With(key, value);
        }

        portal.StartServer();
        return portal;
    }

    public virtual async Task DisposeAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Database?.Dispose();
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // Still held by a server's last request; the OS temp cleaner takes it.
        }
    }
}
