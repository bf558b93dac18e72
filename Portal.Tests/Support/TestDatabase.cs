using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>A real SQLite database in a temporary folder, migrated like the app's, with the three test accounts.</summary>
public sealed class TestDatabase : IDbContextFactory<PortalDbContext>, IDisposable
{
    private readonly DbContextOptions<PortalDbContext> _options;

    public TestDatabase()
    {
        Folder = Directory.CreateTempSubdirectory("portal-test-").FullName;
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(Folder, "portal.db"), Pooling = false }.ToString();
        _options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(connection).Options;

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

    public PortalDbContext CreateDbContext() => new(_options);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
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
