using Microsoft.JSInterop;
using Portal.Accounts;
using Portal.Images.Transfer;

namespace Portal.Images.Upload;

public enum UploadOutcome
{
    Running,
    Completed,
    Failed,
    Aborted,
}

/// <summary>One file this browser tab is sending, as the tab sees it.</summary>
public sealed class BrowserUpload(Guid imageId, string imageName, long totalBytes, DateTime startedAt,
    Compression.SourceCompression compression = Compression.SourceCompression.None)
{
    private readonly Queue<(DateTime At, long Bytes)> _samples = new();

    public Guid ImageId { get; } = imageId;
    public string ImageName { get; } = imageName;
    public long TotalBytes { get; private set; } = totalBytes;
    public long SentBytes { get; private set; }
    public DateTime StartedAt { get; } = startedAt;

    /// <summary>How the file is compressed: the server writes more (decompressed) bytes than the browser sends.</summary>
    public Compression.SourceCompression Compression { get; } = compression;
    public UploadOutcome Outcome { get; private set; } = UploadOutcome.Running;
    public string? Message { get; private set; }

    public double Percent => TotalBytes > 0 ? Math.Min(100, SentBytes * 100.0 / TotalBytes) : 0;

    /// <summary>Bytes per second over the last few seconds (a whole-upload average hides a slowdown).</summary>
    public double BytesPerSecond { get; private set; }

    public TimeSpan? TimeLeft => BytesPerSecond > 0 ? TimeSpan.FromSeconds((TotalBytes - SentBytes) / BytesPerSecond) : null;

    internal void Progress(long sent, long total, DateTime now)
    {
        SentBytes = sent;
        TotalBytes = total;
        _samples.Enqueue((now, sent));
        while (_samples.Count > 2 && now - _samples.Peek().At > TimeSpan.FromSeconds(5))
        {
            _samples.Dequeue();
        }

        var (firstAt, firstBytes) = _samples.Peek();
        var seconds = (now - firstAt).TotalSeconds;
        BytesPerSecond = seconds > 0.2 ? (sent - firstBytes) / seconds : BytesPerSecond;
    }

    internal void Finish(UploadOutcome outcome, string? message)
    {
        Outcome = outcome;
        Message = message;
        if (outcome == UploadOutcome.Completed)
        {
            SentBytes = TotalBytes;
        }
    }
}

/// <summary>
/// The uploads running in this browser tab. Scoped to the circuit, so an upload carries on (and its progress
/// stays visible) while the customer moves between pages of the portal; the JS side asks before the tab
/// itself is closed or reloaded.
/// </summary>
public sealed class BrowserUploads(IJSRuntime js, UploadTokens tokens, TimeProvider clock) : IDisposable
{
    private readonly Dictionary<Guid, BrowserUpload> _uploads = [];
    private DotNetObjectReference<BrowserUploads>? _self;

    public event Action? Changed;

    public IReadOnlyList<BrowserUpload> All
    {
        get
        {
            lock (_uploads)
            {
                return [.. _uploads.Values.OrderBy(u => u.StartedAt)];
            }
        }
    }

    public BrowserUpload? Find(Guid imageId)
    {
        lock (_uploads)
        {
            return _uploads.GetValueOrDefault(imageId);
        }
    }

    /// <summary>Sends the file picked in <paramref name="pickerKey"/> as the data of a queued image.</summary>
    public async Task StartAsync(Caller caller, Image image, string pickerKey, long fileSize,
        Compression.SourceCompression compression = Compression.SourceCompression.None)
    {
        var upload = new BrowserUpload(image.Id, image.Name, fileSize, clock.GetUtcNow().UtcDateTime, compression);
        lock (_uploads)
        {
            _uploads[image.Id] = upload;
        }

        _self ??= DotNetObjectReference.Create(this);
        var started = await js.InvokeAsync<bool>("portalUploads.start", pickerKey, image.Id.ToString("D"),
            ImageUploadEndpoints.UploadPath(image.Id), tokens.Issue(image.Id, caller), _self);
        if (!started)
        {
            upload.Finish(UploadOutcome.Failed, "The chosen file is no longer available. Choose it again.");
        }

        Changed?.Invoke();
    }

    public async Task AbortAsync(Guid imageId) => await js.InvokeVoidAsync("portalUploads.abort", imageId.ToString("D"));

    /// <summary>Forgets finished uploads the customer has seen.</summary>
    public void Dismiss(Guid imageId)
    {
        lock (_uploads)
        {
            if (_uploads.TryGetValue(imageId, out var upload) && upload.Outcome != UploadOutcome.Running)
            {
                _uploads.Remove(imageId);
            }
        }

        Changed?.Invoke();
    }

    [JSInvokable]
    public void OnUploadProgress(string imageId, long sent, long total)
    {
        Find(Guid.Parse(imageId))?.Progress(sent, total, clock.GetUtcNow().UtcDateTime);
        Changed?.Invoke();
    }

    [JSInvokable]
    public void OnUploadFinished(string imageId, int status, string detail)
    {
        var upload = Find(Guid.Parse(imageId));
        if (upload is null)
        {
            return;
        }

        var (outcome, message) = status switch
        {
            >= 200 and < 300 => (UploadOutcome.Completed, (string?)null),
            -1 => (UploadOutcome.Aborted, "The upload was aborted. The image is queued: upload the file again from its page."),
            0 => (UploadOutcome.Failed, detail),
            _ => (UploadOutcome.Failed, string.IsNullOrEmpty(detail) ? $"The portal refused the upload (HTTP {status})." : detail),
        };
        upload.Finish(outcome, message);
        Changed?.Invoke();
    }

    public void Dispose() => _self?.Dispose();
}
