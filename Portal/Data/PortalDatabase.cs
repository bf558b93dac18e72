using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Configuration;

namespace Portal.Data;

/// <summary>The one place that knows how each provider is set up (Portal:Database).</summary>
public static class PortalDatabase
{
    public static DbContextOptionsBuilder<PortalDbContext> Configure(
        DbContextOptionsBuilder<PortalDbContext> options, DatabaseProvider provider, string connectionString) => provider switch
    {
        DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString),
        _ => options.UseSqlite(connectionString),
    };

    /// <summary>The connection string of the configured database: portal.db in the data folder, or the PostgreSQL one.</summary>
    public static string ConnectionString(DatabaseOptions database, DataDirectory data) => database.Provider switch
    {
        DatabaseProvider.PostgreSql => database.ConnectionString!,
        _ => DatabaseInitializer.ConnectionString(data.DatabasePath),
    };

    /// <summary>
    /// A save refused because the row is already there (a unique index or primary key): SQLite's constraint error
    /// for a unique or primary key, PostgreSQL's unique_violation (23505).
    /// </summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>
    /// The timestamp as PostgreSQL stores it (microseconds; .NET counts tenths of them). A time a person chose is cut
    /// to this on both providers, so that what the app hands back equals what it reads later.
    /// </summary>
    public static DateTime ToStoredPrecision(DateTime value) => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerMicrosecond));

    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;
}

/// <summary>Hands out the context type of the configured provider, so that the rest of the app only knows PortalDbContext.</summary>
internal sealed class PortalDbContextFactory(DbContextOptions<PortalDbContext> options, IOptions<PortalOptions> portal)
    : IDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext() => PortalDbContext.Create(options, portal.Value.Database.Provider);
}
