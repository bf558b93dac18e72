namespace Portal.Images;

/// <summary>
/// Where image bytes live. Local disk today; an object store (Ceph RGW, Swift via S3) can take over
/// behind this seam without touching the domain.
/// </summary>
public interface IImageStore
{
    /// <summary>Starts writing an image's data. Nothing is visible under the image's id until the writer commits.</summary>
    ImageDataWriter BeginWrite(Guid imageId);

    /// <summary>Opens stored data for reading, or null when there is none.</summary>
    Stream? OpenRead(Guid imageId);

    bool Exists(Guid imageId);

    /// <summary>The length of the stored data in bytes, or null when there is none.</summary>
    long? LengthOf(Guid imageId);

    /// <summary>Bytes still free where the store writes; null when the store cannot tell.</summary>
    long? AvailableBytes { get; }

    /// <summary>Removes stored data; true when there was something to remove.</summary>
    bool Delete(Guid imageId);

    /// <summary>
    /// Removes data that was still being written when the portal stopped (it never became an image's data); called at
    /// start, when no transfer of this instance can be running. The writes of <paramref name="stillRunning"/> (transfers
    /// another instance runs on the same store) are left alone. Returns how many partial writes were removed.
    /// </summary>
    int RemoveIncompleteWrites(IReadOnlySet<Guid>? stillRunning = null);
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
