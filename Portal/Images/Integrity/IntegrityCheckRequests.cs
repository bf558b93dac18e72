using Portal.Accounts;

namespace Portal.Images.Integrity;

/// <summary>Where a full check stands: requested, running (with its progress), or finished with what it found.</summary>
public sealed record FullIntegrityCheck(
    DateTime RequestedAt, string RequestedBy, DateTime? StartedAt, int Done, int Total, DateTime? FinishedAt, IntegrityCheckSummary? Found, string? Failure = null)
{
    public bool IsFinished => FinishedAt is not null;
}

/// <summary>
/// The operator's "Verify all images": a request the background job takes on its next wake-up (at once), so that the
/// re-hashing of every image runs once, at the job's read limit, whoever asks and however often — never in the page.
/// </summary>
public sealed class IntegrityCheckRequests(TimeProvider clock)
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Lock _lock = new();
    private FullIntegrityCheck? _current;
    private bool _pending;

    /// <summary>Raised when a check is requested, progresses or finishes (pages re-render on it).</summary>
    public event Action? Changed;

    /// <summary>The latest full check (pending, running or finished), if any was asked for since the portal started.</summary>
    public FullIntegrityCheck? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Asks for every image with stored data to be re-hashed now; a request while one is waiting joins it.</summary>
    public FullIntegrityCheck Request(Caller caller)
    {
        caller.DecideIntegrityCheck().ThrowIfRefused();
        FullIntegrityCheck requested;
        lock (_lock)
        {
            if (!_pending)
            {
                _current = new FullIntegrityCheck(clock.GetUtcNow().UtcDateTime, caller.Email, null, 0, 0, null, null);
                _pending = true;
            }

            requested = _current!;
        }

        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Someone else woke the job a moment ago: one wake-up is enough.
            }
        }

        Changed?.Invoke();
        return requested;
    }

    /// <summary>Waits for <paramref name="delay"/> to pass or for a request, whichever comes first (null delay: only a request).</summary>
    internal async Task WaitAsync(TimeSpan? delay, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wake = _signal.WaitAsync(either.Token);
        var sleep = delay is { } d ? Task.Delay(d, clock, either.Token) : Task.Delay(Timeout.InfiniteTimeSpan, either.Token);
        await Task.WhenAny(wake, sleep);
        await either.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (wake.IsCompletedSuccessfully)
        {
            return;
        }

        try
        {
            await wake;
        }
        catch (OperationCanceledException)
        {
            // The sleep ended first: the request signal stays for the next wait.
        }
    }

    /// <summary>A request waits for the job.</summary>
    internal bool IsPending
    {
        get
        {
            lock (_lock)
            {
                return _pending;
            }
        }
    }

    /// <summary>The job takes the waiting request, if any: everything verified before it was asked for is due.</summary>
    internal FullIntegrityCheck? Take()
    {
        lock (_lock)
        {
            if (!_pending)
            {
                return null;
            }

            _pending = false;
            _current = _current! with { StartedAt = clock.GetUtcNow().UtcDateTime };
            return _current;
        }
    }

    internal void Progress(FullIntegrityCheck check, int done, int total) => Update(check, c => c with { Done = done, Total = total });

    internal void Finished(FullIntegrityCheck check, IntegrityCheckSummary found) =>
        Update(check, c => c with { Done = found.Checked, FinishedAt = clock.GetUtcNow().UtcDateTime, Found = found });

    internal void Failed(FullIntegrityCheck check, string failure) =>
        Update(check, c => c with { FinishedAt = clock.GetUtcNow().UtcDateTime, Failure = failure });

    private void Update(FullIntegrityCheck check, Func<FullIntegrityCheck, FullIntegrityCheck> change)
    {
        lock (_lock)
        {
            // A newer request replaced this one while it ran: its progress is no longer what the page shows.
            if (_current?.RequestedAt != check.RequestedAt || _pending)
            {
                return;
            }

            _current = change(_current);
        }

        Changed?.Invoke();
    }
}
