using Portal.Images;

namespace Portal.Tests.Support;

/// <summary>A store that passes every call on to another and records what was asked of it.</summary>
public sealed class CountingImageStore(IImageStore inner) : IImageStore
{
    private readonly List<(Guid Id, long Offset, long? Length)> _reads = [];
    private int _writes;

    /// <summary>Every read opened, with its range (0, null for the whole data).</summary>
    public IReadOnlyList<(Guid Id, long Offset, long? Length)> Reads
    {
        get
        {
            lock (_reads)
            {
                return [.. _reads];
            }
        }
    }

    public int Writes => Volatile.Read(ref _writes);

    public long? AvailableBytes => inner.AvailableBytes;

    public Task<ImageDataWriter> BeginWriteAsync(Guid imageId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        return inner.BeginWriteAsync(imageId, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(Guid imageId, CancellationToken cancellationToken) => OpenReadAsync(imageId, 0, null, cancellationToken);

    public Task<Stream?> OpenReadAsync(Guid imageId, long offset, long? length, CancellationToken cancellationToken)
    {
        lock (_reads)
        {
            _reads.Add((imageId, offset, length));
        }

        return inner.OpenReadAsync(imageId, offset, length, cancellationToken);
    }

    public Task<bool> ExistsAsync(Guid imageId, CancellationToken cancellationToken) => inner.ExistsAsync(imageId, cancellationToken);
    public Task<long?> LengthOfAsync(Guid imageId, CancellationToken cancellationToken) => inner.LengthOfAsync(imageId, cancellationToken);
    public Task<bool> DeleteAsync(Guid imageId, CancellationToken cancellationToken) => inner.DeleteAsync(imageId, cancellationToken);
    public Task<int> RemoveIncompleteWritesAsync(CancellationToken cancellationToken) => inner.RemoveIncompleteWritesAsync(cancellationToken);
}
