using System.Collections.Concurrent;
using Portal.Accounts;

namespace Portal.Images;

/// <summary>How far a transfer of image data has come.</summary>
/// <param name="Bytes">The image's bytes written so far.</param>
/// <param name="TotalBytes">The length the source announced (of the bytes as sent).</param>
/// <param name="SentBytes">For a compressed source, the compressed bytes received so far; null when the bytes are stored as sent.</param>
public sealed record TransferProgress(long Bytes, long? TotalBytes, DateTime StartedAt, long? SentBytes = null)
{
    public double? Fraction => TotalBytes is > 0 and var total ? Math.Min(1, (double)(SentBytes ?? Bytes) / total) : null;
}

/// <summary>
/// Something about an image changed: its status, its fields, or the progress of its transfer. It carries the image
/// as it is now and, for a change that may have moved it out of someone's view, as it was before.
/// </summary>
public sealed record ImageChange(Image Image, Image? Before = null, TransferProgress? Progress = null)
{
    public Guid ImageId => Image.Id;

    public ImageStatus Status => Image.Status;

    public static ImageChange Of(Image image, TransferProgress? progress = null) => new(image.Snapshot(), null, progress);

    public static ImageChange Of(Image before, Image after) => new(after.Snapshot(), before);

    /// <summary>Told to everyone who may see the image now, or could see it before (so their lists drop it).</summary>
    public bool IsVisibleTo(Caller caller) => caller.CanSee(Image) || (Before is { } before && caller.CanSee(before));
}

/// <summary>
/// In-process notifications so that every open page of an account updates by itself while an upload or import runs and
/// when it ends. Changes saved by other instances arrive through <see cref="ImageChangePoller"/>; a transfer's progress
/// (bytes so far) is told only to the pages of the instance that receives the data.
/// </summary>
public sealed class ImageEvents(ILogger<ImageEvents> logger)
{
    private readonly ConcurrentDictionary<Guid, Subscription> _subscriptions = new();

    public IDisposable Subscribe(Caller caller, Func<ImageChange, Task> handler)
    {
        var subscription = new Subscription(this, caller, handler);
        _subscriptions[subscription.Id] = subscription;
        return subscription;
    }

    /// <summary>How many listeners (open interactive pages' components) are subscribed now.</summary>
    internal int SubscriberCount => _subscriptions.Count;

    public void Publish(ImageChange change)
    {
        foreach (var subscription in _subscriptions.Values)
        {
            if (change.IsVisibleTo(subscription.Caller))
            {
                _ = DeliverAsync(subscription, change);
            }
        }
    }

    private async Task DeliverAsync(Subscription subscription, ImageChange change)
    {
        try
        {
            await subscription.Handler(change);
        }
        catch (Exception e)
        {
            // A page that went away must not stop the others from hearing about the change.
            logger.LogDebug(e, "An image change subscriber failed");
        }
    }

    private sealed class Subscription(ImageEvents owner, Caller caller, Func<ImageChange, Task> handler) : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();
        public Caller Caller { get; } = caller;
        public Func<ImageChange, Task> Handler { get; } = handler;

        public void Dispose() => owner._subscriptions.TryRemove(Id, out _);
    }
}
