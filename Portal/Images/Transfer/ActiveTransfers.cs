using System.Collections.Concurrent;

namespace Portal.Images.Transfer;

/// <summary>
/// The transfers running in this process: their progress, and the switch that cancels an import. This is where every
/// open page reads a transfer's progress from; an <see cref="ImageChange"/> only tells it to look again. Progress is this
/// instance's own (a page on another instance sees the transfer's status, not its bytes so far); the slots and quota
/// claims that must hold across instances are in <see cref="TransferLedger"/>.
/// </summary>
public sealed class ActiveTransfers
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    /// <summary>How far the image's transfer has come, up to the last chunk received; null when none runs here.</summary>
    public TransferProgress? ProgressOf(Guid imageId) => _entries.TryGetValue(imageId, out var entry) ? entry.Progress : null;

    public bool IsRunning(Guid imageId) => _entries.ContainsKey(imageId);

    /// <summary>Stops a running transfer; true when there was one. <paramref name="by"/> is who asked, for the activity log.</summary>
    public bool Cancel(Guid imageId, Accounts.Caller? by = null)
    {
        if (!_entries.TryGetValue(imageId, out var entry))
        {
            return false;
        }

        entry.CancelledBy = by;
        entry.CancelledByUser = true;
        entry.Cancellation.Cancel();
        return true;
    }

    internal Registration Register(Guid imageId, DateTime startedAt, CancellationToken requestAborted)
    {
        var entry = new Entry(CancellationTokenSource.CreateLinkedTokenSource(requestAborted), startedAt);
        _entries[imageId] = entry;
        return new Registration(this, imageId, entry);
    }

    internal sealed class Registration(ActiveTransfers owner, Guid imageId, Entry entry) : IDisposable
    {
        public CancellationToken Token => entry.Cancellation.Token;

        /// <summary>Someone pressed "Cancel import" (as opposed to the client going away).</summary>
        public bool CancelledByUser => entry.CancelledByUser;

        public Accounts.Caller? CancelledBy => entry.CancelledBy;

        public TransferProgress Progress => entry.Progress;

        public void Report(long bytes, long? sentBytes = null) => entry.Report(bytes, sentBytes);

        public void ExpectTotal(long? totalBytes) => entry.ExpectTotal(totalBytes);

        public void Dispose()
        {
            owner._entries.TryRemove(new KeyValuePair<Guid, Entry>(imageId, entry));
            entry.Cancellation.Dispose();
        }
    }

    internal sealed class Entry(CancellationTokenSource cancellation, DateTime startedAt)
    {
        private const long Unknown = -1;

        // Written by the transfer for every chunk and read by any page: plain longs, so neither side locks or allocates.
        private long _bytes;
        private long _totalBytes = Unknown;
        private long _sentBytes = Unknown;

        public CancellationTokenSource Cancellation { get; } = cancellation;
        public bool CancelledByUser { get; set; }
        public Accounts.Caller? CancelledBy { get; set; }

        public TransferProgress Progress
        {
            get
            {
                var total = Volatile.Read(ref _totalBytes);
                var sent = Volatile.Read(ref _sentBytes);
                return new TransferProgress(Volatile.Read(ref _bytes), total == Unknown ? null : total, startedAt, sent == Unknown ? null : sent);
            }
        }

        public void Report(long bytes, long? sentBytes)
        {
            Volatile.Write(ref _bytes, bytes);
            Volatile.Write(ref _sentBytes, sentBytes ?? Unknown);
        }

        public void ExpectTotal(long? totalBytes) => Volatile.Write(ref _totalBytes, totalBytes ?? Unknown);
    }
}
