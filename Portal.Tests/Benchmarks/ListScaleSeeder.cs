using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Accounts;
using Portal.Data;
using Portal.Images;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// Fills an account with many images straight into the database. Every row is one the portal could have made (the
/// entity's own methods: created, uploaded, active); no bytes are stored, the lists never read them. The rows go in
/// through one prepared INSERT per batch, written from EF Core's model (its table, columns, value converters and the
/// provider's parameter types), so the same code seeds SQLite and PostgreSQL; SaveChanges would take minutes for
/// 100 000 images of some forty columns.
/// </summary>
public static class ListScaleSeeder
{
    private const int BatchSize = 2_000;

    private static readonly (string Distro, string Version)[] Systems =
        [("ubuntu", "24.04"), ("debian", "13"), ("rocky", "10"), ("almalinux", "10"), ("fedora", "44"), (null!, null!)];

    private static readonly DiskFormat[] Formats = [DiskFormat.Qcow2, DiskFormat.Qcow2, DiskFormat.Raw, DiskFormat.Vmdk];

    private static readonly string[] TagPool = ["prod", "staging", "ci", "golden", "web", "db", "gpu", "legacy"];

    /// <summary>
    /// Adds <paramref name="count"/> active private images of <paramref name="owner"/>, created over the two years before
    /// <paramref name="now"/>, four to a timestamp and names that repeat every thousand (ties on both sort keys, as real
    /// lists have them). Returns how long it took.
    /// </summary>
    public static async Task<TimeSpan> SeedAsync(
        IDbContextFactory<PortalDbContext> dbFactory, Caller owner, int count, DateTime now, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var span = TimeSpan.FromDays(730);
        var step = span / Math.Max(1, count);
        for (var start = 0; start < count; start += BatchSize)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                // Random ids land all over the table's and indexes' pages: SQLite's default cache (2 MB) would write
                // most of them out and read them back for every batch.
                await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144", cancellationToken);
            }

            var batch = new List<Image>(BatchSize);
            for (var n = start; n < Math.Min(count, start + BatchSize); n++)
            {
                batch.Add(NewImage(owner, n, now - span + (step * (n / 4 * 4))));
            }

            await InsertAsync(db, batch, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // A live PostgreSQL database has statistics of its rows (autovacuum gathers them after a while); the measurement
        // starts right after the bulk insert, so gather them now, as autovacuum would, rather than plan on stale ones.
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("ANALYZE \"Images\"", cancellationToken);
            }
        }

        return clock.Elapsed;
    }

    private static async Task InsertAsync(PortalDbContext db, IReadOnlyList<Image> images, CancellationToken cancellationToken)
    {
        var entity = db.Model.FindEntityType(typeof(Image))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = entity.GetProperties()
            .Select(p => (Property: p, Column: p.GetColumnName(table)!, Mapping: (RelationalTypeMapping)p.GetTypeMapping()))
            .ToList();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} "
            + $"({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Column)))}) "
            + $"VALUES ({string.Join(", ", columns.Select((_, n) => "@p" + n))})";
        foreach (var image in images)
        {
            command.Parameters.Clear();
            for (var n = 0; n < columns.Count; n++)
            {
                var (property, _, mapping) = columns[n];
                command.Parameters.Add(mapping.CreateParameter(command, "@p" + n, property.GetGetter().GetClrValue(image), property.IsNullable));
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static Image NewImage(Caller owner, int n, DateTime created)
    {
        var (distro, version) = Systems[n % Systems.Length];
        var tags = n % 3 == 0 ? new[] { TagPool[n % TagPool.Length], TagPool[(n / 7) % TagPool.Length] }.Distinct().ToArray() : [];
        var image = Image.Create(owner, new NewImage(
            $"image-{n % 1000:000}", Formats[n % Formats.Length], ImageVisibility.Private, null, distro, version,
            Tags: tags), created);
        image.BeginTransfer(owner, ImageStatus.Saving, created);
        var size = (n % 50 + 1) * (64L << 20);
        image.CompleteTransfer(new ImageData(size, new string('0', 32), new string('0', 128), size * 4, "qcow2"), created.AddMinutes(2));
        return image;
    }
}
