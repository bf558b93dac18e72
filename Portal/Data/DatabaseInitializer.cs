using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Images.Catalog;
using Portal.Images.Import;
using Portal.Configuration;
using Microsoft.Extensions.Options;

namespace Portal.Data;

/// <summary>Brings the database up to date at start: the provider's checked-in migrations, WAL journal (SQLite), demo data.</summary>
public static class DatabaseInitializer
{
    public static async Task InitializePortalDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        // WAL lets readers (every open page) carry on while an upload commits (PostgreSQL's MVCC does that by itself).
        // The context's type (PortalDbContext or PostgreSqlPortalDbContext) picks the provider's own migrations.
        await db.Database.OpenConnectionAsync(cancellationToken);
        var startLock = db is PostgreSqlPortalDbContext;
        try
        {
            if (db.Database.IsSqlite())
            {
                await using var pragma = db.Database.GetDbConnection().CreateCommand();
                pragma.CommandText = "PRAGMA journal_mode=WAL;";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }

            // Instances started together on one PostgreSQL database (a rolling start, or two at once) take turns: the
            // migrations, the reconciliation and the seed run in one instance at a time. Without this the second one
            // fails on "relation … already exists" while the first is still migrating (DatabaseProviderTests).
            if (startLock)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({StartLockKey})", cancellationToken);
            }

            await db.Database.MigrateAsync(cancellationToken);
            if (startLock && db.Database.GetDbConnection() is Npgsql.NpgsqlConnection connection)
            {
                // The connection learnt the database's types when it opened, perhaps before the instance whose turn came
                // first created the citext extension: read them again, or citext columns cannot be read.
                await connection.ReloadTypesAsync(cancellationToken);
            }
            await AdoptKeysFromDataFolderAsync(db, scope.ServiceProvider.GetRequiredService<DataDirectory>(), cancellationToken);
            var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var store = scope.ServiceProvider.GetRequiredService<IImageStore>();
            var imports = scope.ServiceProvider.GetRequiredService<UrlImportQueue>();
            var ledger = scope.ServiceProvider.GetRequiredService<TransferLedger>();
            var reconciliation = await InterruptedTransfers.RecoverAsync(db, store, imports, clock.GetUtcNow().UtcDateTime, cancellationToken, ledger);
            scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InterruptedTransfers))
                .LogInformation("{Summary}", reconciliation.Summary);
            await SeedAsync(scope.ServiceProvider, db, cancellationToken);
        }
        finally
        {
            if (startLock)
            {
                // Closing would release it too, but a pooled connection lives on: give the turn back explicitly.
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({StartLockKey})", CancellationToken.None);
            }

            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The PostgreSQL advisory lock the instances take turns with at start ("PortalDB" in ASCII).</summary>
    internal const long StartLockKey = 0x506F7274616C4442;

    /// <summary>
    /// Before the keys lived in the database they were files in the data folder's keys/: a portal upgraded in place takes
    /// them over once, so that nobody is signed out and no upload token goes stale.
    /// </summary>
    private static async Task AdoptKeysFromDataFolderAsync(PortalDbContext db, DataDirectory data, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(data.KeysPath) || await db.DataProtectionKeys.AnyAsync(cancellationToken))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(data.KeysPath, "*.xml"))
        {
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = await File.ReadAllTextAsync(file, cancellationToken),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The platform account and operator role always; demo users and the demo catalog when configured.</summary>
    private static async Task SeedAsync(IServiceProvider services, PortalDbContext db, CancellationToken cancellationToken)
    {
        var seeded = await services.GetRequiredService<DemoUserSeeder>().SeedAsync(db, cancellationToken);
        if (!services.GetRequiredService<IOptions<PortalOptions>>().Value.Demo.SeedCatalog)
        {
            return;
        }

        var catalog = services.GetRequiredService<DemoCatalogSeeder>();
        await catalog.SeedPublicCatalogAsync(db, seeded.PlatformAccountId, cancellationToken);
        foreach (var (caller, persona) in seeded.NewPersonas)
        {
            await catalog.SeedPrivateImagesAsync(db, caller, persona, cancellationToken);
        }
    }

    public static string ConnectionString(string databasePath) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        DefaultTimeout = 30,
        Pooling = true,
    }.ToString();
}
