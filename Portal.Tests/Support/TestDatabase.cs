using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>
/// A real database migrated like the app's, with the three test accounts: SQLite in a temporary folder, or a fresh
/// database on the run's PostgreSQL server when the run uses it (<see cref="TestDatabaseProvider"/>). The folder
/// holds the image files either way.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<PortalDbContext>, IDisposable
{
    private readonly DbContextOptions<PortalDbContext> _options;
    private readonly PostgresDatabase? _postgres;

    public TestDatabase()
    {
        Folder = Directory.CreateTempSubdirectory("portal-test-").FullName;
        if (TestDatabaseProvider.IsPostgreSql)
        {
            _postgres = PostgresServer.CreateDatabase();
            _options = new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql(_postgres.ConnectionString).Options;
        }
        else
        {
            var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Folder, "portal.db"), Pooling = false }.ToString();
            _options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(connection).Options;
        }

        using var db = CreateDbContext();
        db.Database.Migrate();
        var created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        db.Accounts.AddRange(
            new Account(Callers.AliceAccount, "alice-project", created),
            new Account(Callers.BobAccount, "bob-project", created),
            new Account(Callers.PlatformAccount, "platform", created));
        db.SaveChanges();
    }

    public string Folder { get; }

    public string ImagesFolder => Path.Combine(Folder, "images");

    /// <summary>The app's Portal:Database settings for this database (none for SQLite: portal.db in the data folder).</summary>
    public IReadOnlyDictionary<string, string> Settings => _postgres?.Settings ?? new Dictionary<string, string>();

    public PortalDbContext CreateDbContext() => PortalDbContext.Create(_options, TestDatabaseProvider.Current);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _postgres?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finished test; the OS temp cleaner takes it.
        }
    }
}
