using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Formatting;
using Portal.Configuration;
using Portal.Data;
using Portal.Images.Transfer;

namespace Portal.Images.Usage;

/// <summary>
/// Keeps each account's private images under its storage quota (Glance's image_size_total) while bytes stream in.
/// Transfers in progress count too, on every instance of the portal: their claims live in the database
/// (<see cref="TransferLedger"/>), so two parallel uploads — on one instance or on two — cannot both squeeze under the limit.
/// </summary>
public sealed class StorageQuota(IDbContextFactory<PortalDbContext> dbFactory, TransferLedger ledger, TimeProvider clock, IOptions<PortalOptions> options)
{
    /// <summary>
    /// A claim of unknown final length asks the ledger for this much more room than it needs at once, while there is
    /// room: a chunked upload then costs one database transaction per this many bytes, not one per chunk.
    /// </summary>
    internal const long ClaimAhead = 32L << 20;

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
        return await TransferLedger.StoredBytesAsync(db, accountId, cancellationToken);
    }

    /// <summary>
    /// What the quota would say to <paramref name="bytes"/> more data for the account's private images, asked before a
    /// transfer starts (the create form, when a file is picked): the refusal <see cref="Reservation.ClaimAsync"/> would give, or null.
    /// </summary>
    public async Task<string?> RefusalAheadAsync(Guid accountId, long bytes, string transferNoun, CancellationToken cancellationToken)
    {
        if (await QuotaOfAsync(accountId, cancellationToken) is not { } quota)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var would = await TransferLedger.CountedBytesAsync(db, accountId, null, clock.GetUtcNow().UtcDateTime, cancellationToken) + bytes;
        return would > quota ? Exceeded(transferNoun, would, quota) : null;
    }

    private static string Exceeded(string transferNoun, long wouldStore, long quota) =>
        $"This {transferNoun} would take your private images to {Format.Bytes(wouldStore)}; your quota is {Format.Bytes(quota)}.";

    /// <summary>Bytes claimed by the account's transfers in progress, on every instance.</summary>
    public Task<long> InFlightBytesAsync(Guid accountId, CancellationToken cancellationToken = default) =>
        ledger.InFlightBytesAsync(accountId, cancellationToken);

    /// <summary>Starts counting a transfer of one image's data against its account's quota, with a ledger row of its own.</summary>
    public async Task<Reservation> OpenAsync(Guid accountId, Guid imageId, string transferNoun, CancellationToken cancellationToken)
    {
        var kind = transferNoun == TransferKind.Import.Noun() ? TransferKind.Import : TransferKind.Upload;
        var claim = await ledger.BeginAsync(imageId, accountId, kind, limit: null, tooMany: null, cancellationToken);
        return new Reservation(ledger, claim, accountId, await QuotaOfAsync(accountId, cancellationToken), transferNoun, ownsClaim: true);
    }

    /// <summary>Counts a transfer that already holds a slot (<paramref name="claim"/>) against <paramref name="accountId"/>'s quota.</summary>
    internal async Task<Reservation> OpenAsync(TransferClaim claim, Guid accountId, string transferNoun, CancellationToken cancellationToken) =>
        new(ledger, claim, accountId, await QuotaOfAsync(accountId, cancellationToken), transferNoun, ownsClaim: false);

    /// <summary>One transfer's claim on the quota: it grows with the bytes received and ends committed or released.</summary>
    public sealed class Reservation : IAsyncDisposable
    {
        private readonly TransferLedger _ledger;
        private readonly TransferClaim _claim;
        private readonly Guid _accountId;
        private readonly long? _quota;
        private readonly string _noun;
        private readonly bool _ownsClaim;
        private long _granted;
        private bool _ended;

        internal Reservation(TransferLedger ledger, TransferClaim claim, Guid accountId, long? quota, string noun, bool ownsClaim)
        {
            _ledger = ledger;
            _claim = claim;
            _accountId = accountId;
            _quota = quota;
            _noun = noun;
            _ownsClaim = ownsClaim;
        }

        internal TransferClaim Claim => _claim;

        /// <summary>
        /// Claims <paramref name="total"/> bytes for this transfer, or refuses if that would exceed the quota. A claim of a
        /// length still unknown (<paramref name="final"/> false) takes room ahead while there is some.
        /// </summary>
        public async Task ClaimAsync(long total, CancellationToken cancellationToken, bool final = true)
        {
            // Without a quota there is nothing to count against.
            if (_quota is null || total == _granted)
            {
                return;
            }

            if (total < _granted && !final)
            {
                // Still within the room taken ahead.
                return;
            }

            if (total < _granted)
            {
                // Giving room back needs no one's leave.
                await _ledger.ClaimAsync(_claim.Id, _accountId, total, quota: null, Refusal, cancellationToken);
                _granted = total;
                return;
            }

            if (!final)
            {
                var ahead = total + ClaimAhead;
                try
                {
                    await _ledger.ClaimAsync(_claim.Id, _accountId, ahead, _quota, Refusal, cancellationToken);
                    _granted = ahead;
                    return;
                }
                catch (ImageTransferRefusedException)
                {
                    // No room to run ahead: claim just what arrived, and the sentence names that.
                }
            }

            await _ledger.ClaimAsync(_claim.Id, _accountId, total, _quota, Refusal, cancellationToken);
            _granted = total;
        }

        private Exception Refusal(long would, long quota) =>
            new ImageTransferRefusedException(Exceeded(_noun, would, quota), TransferRefusal.TooLarge);

        /// <summary>Gives the claim back, when this reservation took it (a transfer's own slot is given back by the transfer).</summary>
        public async ValueTask DisposeAsync()
        {
            if (_ownsClaim && !_ended)
            {
                _ended = true;
                await _ledger.EndAsync(_claim);
            }
        }
    }
}
