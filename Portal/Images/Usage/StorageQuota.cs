using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Formatting;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Transfer;

namespace Portal.Images.Usage;

/// <summary>
/// Keeps each account's private images under its storage quota (Glance's image_size_total) while bytes stream in.
/// Transfers in progress count too, so two parallel uploads cannot both squeeze under the limit. The ledger is
/// in memory (one portal instance), reloaded from the database whenever nothing of the account is in flight.
/// </summary>
public sealed class StorageQuota(IDbContextFactory<PortalDbContext> dbFactory, IOptions<PortalOptions> options)
{
    private readonly ConcurrentDictionary<Guid, Ledger> _ledgers = new();

    /// <summary>The account's own quota, or the configured default; null when unlimited.</summary>
    public async Task<long?> QuotaOfAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var own = await db.Accounts.Where(a => a.Id == accountId).Select(a => a.StorageQuotaBytes).SingleOrDefaultAsync(cancellationToken);
        return Accounts.Account.EffectiveQuota(own, options.Value.Storage.DefaultQuotaBytes);
    }

    /// <summary>Bytes the account's private images occupy now, according to the database.</summary>
    public async Task<long> StoredBytesAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Images.OccupyingStorage().Where(i => i.Owner == accountId).SumAsync(i => i.Size ?? 0, cancellationToken);
    }

    /// <summary>
    /// What the quota would say to <paramref name="bytes"/> more data for the account's private images, asked before a
    /// transfer starts (the create form, when a file is picked): the refusal <see cref="Reservation.Claim"/> would give, or null.
    /// </summary>
    public async Task<string?> RefusalAheadAsync(Guid accountId, long bytes, string transferNoun, CancellationToken cancellationToken)
    {
        if (await QuotaOfAsync(accountId, cancellationToken) is not { } quota)
        {
            return null;
        }

        var would = await StoredBytesAsync(accountId, cancellationToken) + InFlightBytes(accountId) + bytes;
        return would > quota ? Exceeded(transferNoun, would, quota) : null;
    }

    private static string Exceeded(string transferNoun, long wouldStore, long quota) =>
        $"This {transferNoun} would take your private images to {Format.Bytes(wouldStore)}; your quota is {Format.Bytes(quota)}.";

    /// <summary>Starts counting a transfer of one image's data against its account's quota.</summary>
    public async Task<Reservation> OpenAsync(Guid accountId, Guid imageId, string transferNoun, CancellationToken cancellationToken)
    {
        var quota = await QuotaOfAsync(accountId, cancellationToken);
        var ledger = _ledgers.GetOrAdd(accountId, _ => new Ledger());
        for (var attempt = 0; ; attempt++)
        {
            long generation;
            lock (ledger)
            {
                generation = ledger.Generation;
            }

            var stored = await StoredBytesAsync(accountId, cancellationToken);
            lock (ledger)
            {
                // Only a quiet ledger takes the database's word: otherwise a completion could be counted twice or not at all.
                if (ledger.Generation == generation && ledger.InFlight.Count == 0)
                {
                    ledger.Stored = stored;
                    ledger.Loaded = true;
                }

                if (ledger.Loaded || attempt >= 3)
                {
                    ledger.Stored = ledger.Loaded ? ledger.Stored : stored;
                    ledger.Loaded = true;
                    ledger.InFlight[imageId] = 0;
                    return new Reservation(ledger, imageId, quota, transferNoun);
                }
            }
        }
    }

    /// <summary>Bytes claimed by the account's transfers in progress.</summary>
    internal long InFlightBytes(Guid accountId)
    {
        if (!_ledgers.TryGetValue(accountId, out var ledger))
        {
            return 0;
        }

        lock (ledger)
        {
            return ledger.InFlight.Values.Sum();
        }
    }

    /// <summary>An image's data left storage (it was deleted).</summary>
    public void Released(Guid accountId, long bytes)
    {
        if (_ledgers.TryGetValue(accountId, out var ledger))
        {
            lock (ledger)
            {
                ledger.Stored -= bytes;
                ledger.Generation++;
            }
        }
    }

    internal sealed class Ledger
    {
        public long Stored { get; set; }
        public bool Loaded { get; set; }
        public long Generation { get; set; }
        public Dictionary<Guid, long> InFlight { get; } = [];
    }

    /// <summary>One transfer's claim on the quota: it grows with the bytes received and ends committed or released.</summary>
    public sealed class Reservation : IDisposable
    {
        private readonly Ledger _ledger;
        private readonly Guid _imageId;
        private readonly long? _quota;
        private readonly string _noun;
        private bool _ended;

        internal Reservation(Ledger ledger, Guid imageId, long? quota, string noun)
        {
            _ledger = ledger;
            _imageId = imageId;
            _quota = quota;
            _noun = noun;
        }

        /// <summary>Claims <paramref name="total"/> bytes for this transfer, or refuses if that would exceed the quota.</summary>
        public void Claim(long total)
        {
            lock (_ledger)
            {
                var others = _ledger.InFlight.Where(e => e.Key != _imageId).Sum(e => e.Value);
                var would = _ledger.Stored + others + total;
                if (_quota is { } quota && would > quota)
                {
                    throw new ImageTransferRefusedException(Exceeded(_noun, would, quota), TransferRefusal.TooLarge);
                }

                _ledger.InFlight[_imageId] = total;
            }
        }

        /// <summary>The data is stored: its bytes move from in flight to stored.</summary>
        public void Commit(long size)
        {
            lock (_ledger)
            {
                _ledger.InFlight.Remove(_imageId);
                _ledger.Stored += size;
                _ledger.Generation++;
                _ended = true;
            }
        }

        public void Dispose()
        {
            lock (_ledger)
            {
                if (!_ended)
                {
                    _ledger.InFlight.Remove(_imageId);
                    _ended = true;
                }
            }
        }
    }
}
