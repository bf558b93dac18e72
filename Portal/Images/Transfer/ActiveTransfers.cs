using System.Collections.Concurrent;

namespace Portal.Images.Transfer;

/// <summary>The transfers running in this process: their progress, and the switch that cancels an import.</summary>
public sealed class ActiveTransfers
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    public TransferProgress? ProgressOf(Guid imageId) => _entries.TryGetValue(imageId, out var entry) ? entry.Progress : null;

    public bool IsRunning(Guid imageId) => _entries.ContainsKey(imageId);

    /// <summary>Stops a running transfer; true when there was one.</summary>
    public bool Cancel(Guid imageId)
    {
        if (!_entries.TryGetValue(imageId, out var entry))
        {
            return false;
        }

        entry.CancelledByUser = true;
        entry.Cancellation.Cancel();
        return true;
    }

    internal Registration Register(Guid imageId, DateTime startedAt, CancellationToken requestAborted)
    {
        var entry = new Entry(CancellationTokenSource.CreateLinkedTokenSource(requestAborted), new TransferProgress(0, null, startedAt));
        _entries[imageId] = entry;
        return new Registration(this, imageId, entry);
    }

    internal sealed class Registration(ActiveTransfers owner, Guid imageId, Entry entry) : IDisposable
    {
        public CancellationToken Token => entry.Cancellation.Token;

        /// <summary>Someone pressed "Cancel import" (as opposed to the client going away).</summary>
        public bool CancelledByUser => entry.CancelledByUser;

        public TransferProgress Report(long bytes) => entry.Progress = entry.Progress with { Bytes = bytes };

        public void ExpectTotal(long? totalBytes) => entry.Progress = entry.Progress with { TotalBytes = totalBytes };

        public void Dispose()
        {
            owner._entries.TryRemove(new KeyValuePair<Guid, Entry>(imageId, entry));
            entry.Cancellation.Dispose();
        }
    }

    internal sealed class Entry(CancellationTokenSource cancellation, TransferProgress progress)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public TransferProgress Progress { get; set; } = progress;
        public bool CancelledByUser { get; set; }
    }
}
