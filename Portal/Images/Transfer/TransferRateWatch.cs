using Portal.Formatting;
using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>
/// Stops a transfer whose source delivers less than the minimum rate over a window. The idle timeout only catches a
/// source that sends nothing; a slow-loris client or server that trickles a byte now and then would otherwise hold a
/// transfer slot (and the account's place in line) for days.
/// </summary>
internal sealed class TransferRateWatch : IDisposable
{
    private readonly long _minBytesPerWindow;
    private readonly long _minBytesPerSecond;
    private readonly TimeSpan _window;
    private readonly TransferKind _kind;
    private readonly CancellationTokenSource _stop;
    private readonly ITimer? _timer;
    private long _received;
    private long _receivedAtLastCheck;
    private volatile bool _tooSlow;

    /// <param name="minBytesPerSecond">0 switches the rule off.</param>
    public TransferRateWatch(long minBytesPerSecond, TimeSpan window, TimeProvider clock, TransferKind kind, CancellationToken cancellationToken)
    {
        _minBytesPerSecond = minBytesPerSecond;
        _minBytesPerWindow = (long)(minBytesPerSecond * window.TotalSeconds);
        _window = window;
        _kind = kind;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (minBytesPerSecond > 0)
        {
            _timer = clock.CreateTimer(_ => Check(), null, window, window);
        }
    }

    /// <summary>The transfer's token, cancelled also when the source is too slow.</summary>
    public CancellationToken Token => _stop.Token;

    public bool TooSlow => _tooSlow;

    /// <summary>The sentence the customer reads when the transfer was stopped for being too slow.</summary>
    public string Reason =>
        $"The {_kind.Noun()} was stopped: less than {Format.Bytes(_minBytesPerSecond)} per second arrived over {_window.TotalSeconds:0} seconds. "
        + (_kind == TransferKind.Import ? "Try again later, or from a faster server." : "Upload the file again over a faster connection.");

    /// <summary>The source, counted as it is read.</summary>
    public Stream Watch(Stream source) => new CountingStream(source, this);

    /// <summary>What a transfer stopped by this watch failed with, as the kind of transfer reports a source's failure.</summary>
    public Exception Failure(Exception cause) => _kind == TransferKind.Import
        ? new ImportFailedException(Reason, permanent: false, cause)
        : new TransferInterruptedException(Reason, cause);

    public void Dispose()
    {
        _timer?.Dispose();
        _stop.Dispose();
    }

    private void Check()
    {
        var received = Interlocked.Read(ref _received);
        var inWindow = received - _receivedAtLastCheck;
        _receivedAtLastCheck = received;
        if (inWindow < _minBytesPerWindow && !_tooSlow)
        {
            _tooSlow = true;
            _timer?.Dispose();
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The transfer ended meanwhile.
            }
        }
    }

    private sealed class CountingStream(Stream inner, TransferRateWatch watch) : ForwardReadStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref watch._received, read);
            return read;
        }
    }
}
