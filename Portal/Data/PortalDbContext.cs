using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Identity;
using Portal.Images;
using Portal.Images.Activity;

namespace Portal.Data;

/// <summary>
/// The portal's data. With SQLite (the default) this class owns the migrations in Data/Migrations; with PostgreSQL the
/// app creates <see cref="PostgreSqlPortalDbContext"/> instead (same model, its own migrations), still handed out as a
/// PortalDbContext: see <see cref="Create"/>.
/// </summary>
public class PortalDbContext : IdentityDbContext<PortalUser>, IDataProtectionKeyContext
{
    public PortalDbContext(DbContextOptions<PortalDbContext> options)
        : base(options)
    {
    }

    /// <summary>The context for <paramref name="provider"/>: its type decides which migrations <c>Migrate</c> applies.</summary>
    public static PortalDbContext Create(DbContextOptions<PortalDbContext> options, DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlPortalDbContext(options),
        _ => new PortalDbContext(options),
    };

    public DbSet<Image> Images => Set<Image>();
    public DbSet<ImageActivity> ImageActivities => Set<ImageActivity>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<ApplicationCredential> ApplicationCredentials => Set<ApplicationCredential>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<Images.Transfer.TransferReservation> TransferReservations => Set<Images.Transfer.TransferReservation>();

    public DbSet<Coordination.JobLease> JobLeases => Set<Coordination.JobLease>();

    public DbSet<ImageChangeRecord> ImageChangeFeed => Set<ImageChangeRecord>();

    /// <summary>The Data Protection key ring, shared by every instance of the portal.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseRewritingHistory();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseRewritingHistory();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite keeps no time zone: every timestamp is written and read back as UTC (PostgreSQL's timestamp with time
        // zone accepts only UTC DateTimes, which this gives it too).
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    /// <summary>An image's activity log is only ever added to (the database's triggers say the same for raw SQL).</summary>
    private void RefuseRewritingHistory()
    {
        if (ChangeTracker.Entries<ImageActivity>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("Image activity is never changed or removed.");
        }
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? v.Value.ToUniversalTime() : v,
        v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}
