using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Portal.Configuration;

namespace Portal.Data;

/// <summary>
/// What <c>dotnet ef migrations add --context PortalDbContext</c> uses: always SQLite, whatever the developer's own
/// settings say, so that SQLite migrations never pick up another provider's types. No database is opened to add one.
/// </summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) =>
        new(PortalDatabase.Configure(new DbContextOptionsBuilder<PortalDbContext>(), DatabaseProvider.Sqlite,
            DatabaseInitializer.ConnectionString("design-time.db")).Options);
}

/// <summary>What <c>dotnet ef migrations add --context PostgreSqlPortalDbContext</c> uses; no server is contacted to add one.</summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlPortalDbContext>
{
    public PostgreSqlPortalDbContext CreateDbContext(string[] args) =>
        new(PortalDatabase.Configure(new DbContextOptionsBuilder<PortalDbContext>(), DatabaseProvider.PostgreSql,
            "Host=localhost;Database=portal_design_time").Options);
}
