using Microsoft.Extensions.Options;
using Portal.Images.Transfer;
using Portal.Rules;

namespace Portal.Images.Import;

/// <summary>
/// Images waiting for their URL to be downloaded, in one line per account. An account runs at most
/// <see cref="ImportOptions.MaxRunningPerAccount"/> imports at once and may have at most
/// <see cref="ImportOptions.MaxQueuedPerAccount"/> waiting: one account's hundred imports must not take every slot
/// of the platform, and the accounts with work waiting take turns.
/// </summary>
public sealed class UrlImportQueue(IOptions<ImportOptions> options)
{
    /// <summary>What the details page says of an import still in line.</summary>
    public const string WaitingForTurn = "Waiting for its turn: your account's other imports are running; this one starts when one of them finishes.";

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Queue<Guid>> _waiting = [];
    private readonly Dictionary<Guid, int> _running = [];
    private readonly List<Guid> _turns = [];
    private readonly SemaphoreSlim _changed = new(0);
    private int _nextTurn;

    private int MaxQueued => options.Value.MaxQueuedPerAccount;

    private int MaxRunning => options.Value.MaxRunningPerAccount;

    /// <summary>Whether the account may put one more import in line; checked before the image is created or retried.</summary>
    public Decision DecideEnqueue(Guid accountId)
    {
        lock (_gate)
        {
            return WaitingOf(accountId) >= MaxQueued
                ? Decision.Refuse(RefusalCode.TooMany, $"You already have {MaxQueued} imports waiting; wait for one to finish.")
                : Decision.Allow;
        }
    }

    /// <summary>Puts the image in its account's line; refused when the line is full.</summary>
    public void Enqueue(Guid imageId, Guid accountId)
    {
        lock (_gate)
        {
            DecideEnqueue(accountId).ThrowIfRefused();
            if (!_waiting.TryGetValue(accountId, out var line))
            {
                _waiting[accountId] = line = new Queue<Guid>();
                _turns.Add(accountId);
            }

            line.Enqueue(imageId);
        }

        _changed.Release();
    }

    /// <summary>Takes a cancelled image out of its line, so that it stops counting against the account's waiting imports.</summary>
    public void Remove(Guid imageId)
    {
        lock (_gate)
        {
            foreach (var (account, line) in _waiting)
            {
                if (!line.Contains(imageId))
                {
                    continue;
                }

                var rest = new Queue<Guid>(line.Where(id => id != imageId));
                if (rest.Count == 0)
                {
                    _waiting.Remove(account);
                    var index = _turns.IndexOf(account);
                    _turns.RemoveAt(index);
                    _nextTurn = _turns.Count == 0 ? 0 : _nextTurn % _turns.Count;
                }
                else
                {
                    _waiting[account] = rest;
                }

                return;
            }
        }
    }

    /// <summary>The image is in line, waiting for one of its account's import slots.</summary>
    public bool IsWaiting(Guid imageId)
    {
        lock (_gate)
        {
            return _waiting.Values.Any(line => line.Contains(imageId));
        }
    }

    /// <summary>The account's imports in line (not yet running).</summary>
    public int WaitingOf(Guid accountId)
    {
        lock (_gate)
        {
            return _waiting.TryGetValue(accountId, out var line) ? line.Count : 0;
        }
    }

    /// <summary>The next image whose account has a free slot, the accounts taking turns; its slot is held until the lease is disposed.</summary>
    internal bool TryTake([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Lease? lease)
    {
        lock (_gate)
        {
            for (var i = 0; i < _turns.Count; i++)
            {
                var index = (_nextTurn + i) % _turns.Count;
                var account = _turns[index];
                if (_running.GetValueOrDefault(account) >= MaxRunning)
                {
                    continue;
                }

                var line = _waiting[account];
                var imageId = line.Dequeue();
                if (line.Count == 0)
                {
                    _waiting.Remove(account);
                    _turns.RemoveAt(index);
                    _nextTurn = _turns.Count == 0 ? 0 : index % _turns.Count;
                }
                else
                {
                    _nextTurn = (index + 1) % _turns.Count;
                }

                _running[account] = _running.GetValueOrDefault(account) + 1;
                lease = new Lease(this, imageId, account);
                return true;
            }
        }

        lease = null;
        return false;
    }

    /// <summary>Waits for the next image that may start.</summary>
    internal async Task<Lease> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTake(out var lease))
            {
                return lease;
            }

            await _changed.WaitAsync(cancellationToken);
        }
    }

    private void Finished(Guid accountId)
    {
        lock (_gate)
        {
            if (_running.GetValueOrDefault(accountId) <= 1)
            {
                _running.Remove(accountId);
            }
            else
            {
                _running[accountId]--;
            }
        }

        _changed.Release();
    }

    /// <summary>One import's hold on one of its account's slots.</summary>
    internal sealed class Lease(UrlImportQueue queue, Guid imageId, Guid accountId) : IDisposable
    {
        private int _disposed;

        public Guid ImageId => imageId;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                queue.Finished(accountId);
            }
        }
    }
}

/// <summary>
/// Downloads queued URL imports in the background, a few at a time for the whole platform (and no more than each
/// account's share, which <see cref="UrlImportQueue"/> keeps), through <see cref="UrlDownloader"/> and the
/// same transfer path as uploads (hashing, size limit, no partial files).
/// </summary>
public sealed class UrlImportWorker(
    UrlImportQueue queue,
    UrlDownloader downloader,
    ImageTransferService transfers,
    ILogger<UrlImportWorker> logger) : BackgroundService
{
    public const int ParallelImports = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(ParallelImports);
        var running = new List<Task>();
        try
        {
            while (true)
            {
                await slots.WaitAsync(stoppingToken);
                UrlImportQueue.Lease lease;
                try
                {
                    lease = await queue.TakeAsync(stoppingToken);
                }
                catch
                {
                    slots.Release();
                    throw;
                }

                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ImportAsync(lease.ImageId, stoppingToken);
                    }
                    finally
                    {
                        lease.Dispose();
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the running imports see the same token and put their images back.
        }

        await Task.WhenAll(running);
    }

    private async Task ImportAsync(Guid imageId, CancellationToken stoppingToken)
    {
        try
        {
            await transfers.ImportAsync(imageId, downloader, stoppingToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The transfer service has already put the image back (or killed it) with the reason.
            logger.LogDebug(e, "Import of image {ImageId} ended without data", imageId);
        }
    }
}
