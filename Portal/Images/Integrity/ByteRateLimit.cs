namespace Portal.Images.Integrity;

/// <summary>
/// A token bucket over bytes: up to one second's worth may be read at once, then readers wait (on the injected clock)
/// until the bucket has refilled. Zero bytes per second means no limit.
/// </summary>
public sealed class ByteRateLimit(long bytesPerSecond, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private double _tokens = bytesPerSecond;
    private DateTimeOffset _refilledAt = clock.GetUtcNow();

    /// <summary>Takes <paramref name="bytes"/> from the bucket and waits while it is in debt.</summary>
    public Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        var wait = Take(bytes);
        return wait > TimeSpan.Zero ? Task.Delay(wait, clock, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>Takes <paramref name="bytes"/> and answers how long the caller must wait before reading more.</summary>
    public TimeSpan Take(long bytes)
    {
        if (bytesPerSecond <= 0)
        {
            return TimeSpan.Zero;
        }

        lock (_gate)
        {
            var now = clock.GetUtcNow();
            _tokens = Math.Min(bytesPerSecond, _tokens + ((now - _refilledAt).TotalSeconds * bytesPerSecond));
            _refilledAt = now;
            _tokens -= bytes;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / bytesPerSecond);
        }
    }
}
