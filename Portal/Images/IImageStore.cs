namespace Portal.Images;

/// <summary>
/// Where image bytes live: local disk (the embedded default) or an S3-compatible object store. Every call may be a
/// network round trip, hence asynchronous.
/// </summary>
public interface IImageStore
{
    /// <summary>Starts writing an image's data. Nothing is visible under the image's id until the writer commits.</summary>
    Task<ImageDataWriter> BeginWriteAsync(Guid imageId, CancellationToken cancellationToken);

    /// <summary>Opens stored data for reading from the start, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(Guid imageId, CancellationToken cancellationToken);

    /// <summary>
    /// Opens <paramref name="length"/> bytes of stored data from <paramref name="offset"/> (to the end when null), or null
    /// when there is none: an object store asks for just that range rather than seeking in a stream.
    /// </summary>
    Task<Stream?> OpenReadAsync(Guid imageId, long offset, long? length, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(Guid imageId, CancellationToken cancellationToken);

    /// <summary>The length of the stored data in bytes, or null when there is none.</summary>
    Task<long?> LengthOfAsync(Guid imageId, CancellationToken cancellationToken);

    /// <summary>Bytes still free where the store writes; null when the store cannot tell.</summary>
    long? AvailableBytes { get; }

    /// <summary>Removes stored data; true when there was something to remove. Removing what is not there is no error.</summary>
    Task<bool> DeleteAsync(Guid imageId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes data that was still being written when the portal stopped (it never became an image's data);
    /// called at start, when no transfer can be running. Returns how many partial writes were removed.
    /// </summary>
    Task<int> RemoveIncompleteWritesAsync(CancellationToken cancellationToken);
}

/// <summary>Data on its way into the store. Disposing without committing discards it.</summary>
public abstract class ImageDataWriter : IAsyncDisposable
{
    public abstract long Length { get; }

    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the data durable and visible under the image's id. Refuses to replace existing data.</summary>
    public abstract ValueTask CommitAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
