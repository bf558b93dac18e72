using System.Buffers;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Activity;

namespace Portal.Images.Integrity;

/// <summary>What a round of checks found.</summary>
public sealed record IntegrityCheckSummary(int Intact, int DataMissing, int WrongSize, int ChecksumMismatch)
{
    public int Checked => Intact + DataMissing + WrongSize + ChecksumMismatch;

    public int Flagged => DataMissing + WrongSize + ChecksumMismatch;
}

/// <summary>The images with stored data by integrity state, for the operator.</summary>
public sealed record IntegrityOverview(IReadOnlyDictionary<ImageIntegrity, int> Counts, DateTime? OldestCheck)
{
    public int Total => Counts.Values.Sum();

    public int Flagged => Counts.Where(c => c.Key.IsFlagged()).Sum(c => c.Value);

    public int this[ImageIntegrity integrity] => Counts.GetValueOrDefault(integrity);
}

/// <summary>
/// Re-reads an image's stored data and compares its SHA-512 with the one computed when it arrived, so that bit rot
/// (or a file replaced behind the portal's back) is noticed before a customer boots from it. The outcome is recorded
/// on the image without bumping its version (a check is not an edit) and told to open pages.
/// </summary>
public sealed class ImageIntegrityChecker(
    IDbContextFactory<PortalDbContext> dbFactory,
    IImageStore store,
    TimeProvider clock,
    ImageEvents events,
    IOptions<PortalOptions> options,
    ILogger<ImageIntegrityChecker> logger)
{
    private const int ChunkSize = 1 << 20;

    // One budget for every check at once: the operator's and the background job's reads share the disk with transfers.
    private readonly ByteRateLimit _rate = new(options.Value.Integrity.MaxBytesPerSecond, clock);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The operator verifies one image now.</summary>
    public async Task<Image> CheckAsync(Caller caller, Guid imageId, CancellationToken cancellationToken = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken)
                ?? throw new ImageNotFoundException(imageId);
            image.DecideIntegrityCheck(caller).ThrowIfRefused();
        }

        return await CheckOneAsync(imageId, caller, cancellationToken) ?? throw new ImageNotFoundException(imageId);
    }

    /// <summary>The operator verifies every image with stored data now, oldest-verified first.</summary>
    public async Task<IntegrityCheckSummary> CheckAllAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        caller.DecideIntegrityCheck().ThrowIfRefused();
        return await CheckRoundAsync(DateTime.MaxValue, caller, cancellationToken);
    }

    /// <summary>
    /// The background job's round (which also runs the operator's Verify all images): the active and deactivated images
    /// last verified at or before <paramref name="verifiedBefore"/>, oldest first. Its findings are the portal's.
    /// </summary>
    public Task<IntegrityCheckSummary> CheckDueAsync(
        DateTime verifiedBefore, CancellationToken cancellationToken, Action<int, int>? progress = null) =>
        CheckRoundAsync(verifiedBefore, actor: null, cancellationToken, progress);

    private async Task<IntegrityCheckSummary> CheckRoundAsync(
        DateTime verifiedBefore, Caller? actor, CancellationToken cancellationToken, Action<int, int>? progress = null)
    {
        List<Guid> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            due = await Stored(db)
                .Where(i => i.IntegrityCheckedAt == null || i.IntegrityCheckedAt <= verifiedBefore)
                // Never verified first (SQLite sorts NULL first by itself, PostgreSQL last).
                .OrderBy(i => i.IntegrityCheckedAt != null).ThenBy(i => i.IntegrityCheckedAt).ThenBy(i => i.Id)
                .Select(i => i.Id)
                .ToListAsync(cancellationToken);
        }

        var found = new Dictionary<ImageIntegrity, int>();
        progress?.Invoke(0, due.Count);
        for (var n = 0; n < due.Count; n++)
        {
            if (await CheckOneAsync(due[n], actor, cancellationToken) is { } image)
            {
                found[image.Integrity] = found.GetValueOrDefault(image.Integrity) + 1;
            }

            progress?.Invoke(n + 1, due.Count);
        }

        return new IntegrityCheckSummary(
            found.GetValueOrDefault(ImageIntegrity.Intact),
            found.GetValueOrDefault(ImageIntegrity.DataMissing),
            found.GetValueOrDefault(ImageIntegrity.WrongSize),
            found.GetValueOrDefault(ImageIntegrity.ChecksumMismatch));
    }

    /// <summary>How many images with stored data are in each integrity state, and the oldest verification among them.</summary>
    public async Task<IntegrityOverview> OverviewAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        caller.DecideIntegrityCheck().ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await Stored(db).GroupBy(i => i.Integrity).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var (_, oldest) = await OldestCheckAsync(cancellationToken);
        return new IntegrityOverview(counts.ToDictionary(c => c.Key, c => c.Count), oldest);
    }

    /// <summary>Whether any image has stored data, and when the least recently verified one was verified (null: never).</summary>
    public async Task<(bool Any, DateTime? OldestCheck)> OldestCheckAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var oldest = await Stored(db).OrderBy(i => i.IntegrityCheckedAt != null).ThenBy(i => i.IntegrityCheckedAt).Select(i => new { i.IntegrityCheckedAt }).FirstOrDefaultAsync(cancellationToken);
        return (oldest is not null, oldest?.IntegrityCheckedAt);
    }

    private static IQueryable<Image> Stored(PortalDbContext db) =>
        db.Images.Where(i => i.Status == ImageStatus.Active || i.Status == ImageStatus.Deactivated);

    /// <summary>
    /// Hashes one image's data and records the outcome; null when the image is gone or lost its data meanwhile. The
    /// activity log gets every check the operator asked for, and the background job's only when the outcome changed: a
    /// daily "intact" would bury the entries that matter (the last verification is shown beside the data anyway).
    /// </summary>
    private async Task<Image?> CheckOneAsync(Guid imageId, Caller? actor, CancellationToken cancellationToken)
    {
        Image? recorded;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            recorded = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken);
        }

        if (recorded is not { HasData: true })
        {
            return null;
        }

        // Hashing may take hours at the rate limit: no database context is held open meanwhile.
        var integrity = await HashAsync(recorded, cancellationToken);

        // A concurrent edit bumps the version (the concurrency token), so the outcome is recorded on a fresh copy.
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var image = await db.Images.SingleOrDefaultAsync(i => i.Id == imageId, cancellationToken);
            if (image is not { HasData: true })
            {
                return null;
            }

            var was = image.Integrity;
            image.RecordIntegrity(integrity, Now);
            if (actor is not null || was != integrity)
            {
                db.RecordIntegrityChecked(image, actor, Now);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 2)
            {
                continue;
            }

            if (integrity.IsFlagged())
            {
                logger.LogWarning("Integrity check: image {ImageId} is {Integrity}", imageId, integrity.ToApiName());
            }

            events.Publish(ImageChange.Of(image));
            return image;
        }
    }

    private async Task<ImageIntegrity> HashAsync(Image image, CancellationToken cancellationToken)
    {
        if (image.IntegrityBySize(await store.LengthOfAsync(image.Id, cancellationToken)) is var bySize and not ImageIntegrity.Intact)
        {
            return bySize;
        }

        await using var data = await store.OpenReadAsync(image.Id, cancellationToken);
        if (data is null)
        {
            return ImageIntegrity.DataMissing;
        }

        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        long read = 0;
        try
        {
            int n;
            while ((n = await data.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                sha512.AppendData(buffer, 0, n);
                read += n;
                await _rate.WaitAsync(n, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (read != image.Size)
        {
            return ImageIntegrity.WrongSize;
        }

        // An image activated before SHA-512 was recorded can only be checked for presence and size.
        return image.OsHashValue is null || string.Equals(Convert.ToHexStringLower(sha512.GetHashAndReset()), image.OsHashValue, StringComparison.OrdinalIgnoreCase)
            ? ImageIntegrity.Intact
            : ImageIntegrity.ChecksumMismatch;
    }
}
