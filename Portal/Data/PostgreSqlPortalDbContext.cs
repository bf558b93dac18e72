using Microsoft.EntityFrameworkCore;
using Portal.Images;

namespace Portal.Data;

/// <summary>
/// The same model on PostgreSQL. It exists to own the PostgreSQL migrations (Data/PostgreSqlMigrations, EF Core's
/// "migrations with multiple providers" with one context type per provider) and to say what SQLite does by default:
/// text compares byte by byte (the C collation, like SQLite's BINARY) and image names ignore ASCII case
/// (citext under C, like SQLite's NOCASE: equal, sorted and matched by LIKE without regard to case).
/// </summary>
public sealed class PostgreSqlPortalDbContext(DbContextOptions<PortalDbContext> options) : PortalDbContext(options)
{
    public const string CaseInsensitiveText = "citext";

    private const string ByteOrder = "C";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasPostgresExtension(CaseInsensitiveText);
        builder.Entity<Image>().Property(i => i.Name).HasColumnType(CaseInsensitiveText).UseCollation(ByteOrder);

        // Every text column, those of enums stored under their wire names included: sorting must not depend on the
        // locale the database was created with.
        foreach (var property in builder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            if ((property.GetProviderClrType() ?? property.GetValueConverter()?.ProviderClrType ?? property.ClrType) == typeof(string) && property.GetCollation() is null)
            {
                property.SetCollation(ByteOrder);
            }
        }
    }
}
