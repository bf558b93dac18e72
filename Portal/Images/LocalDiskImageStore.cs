using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Portal.Configuration;

namespace Portal.Images;

/// <summary>One file per image under the data folder, named by the image id.</summary>
public sealed class LocalDiskImageStore : IImageStore
{
    public const string IncomingFolderName = ".incoming";

    /// <summary>
    /// Written data is pushed to disk in the background every this many bytes: otherwise the kernel keeps
    /// gigabytes dirty in memory and the commit's fsync waits for all of them at the end of an upload.
    /// </summary>
    internal const long FlushEvery = 32L << 20;

    /// <summary>
    /// The largest single write. The kernel (Linux 6.18 with ext4's large folios) gives a write a page-cache folio as large
    /// as the write: 1 MiB writes take 1 MiB blocks of free memory, which on a virtual machine with free page reporting
    /// are the blocks handed back to the host, and touching them again costs the host's page faults — measured here
    /// 3.3 CPU-seconds per GiB written, against 0.25 for 256 KiB writes of the same bytes (README, "Upload CPU").
    /// </summary>
    internal const int WriteSlice = 64 << 10;

    private readonly string _root;
    private readonly string _incoming;

    /// <summary>The images whose data is being written now: one writer per image at a time.</summary>
    private readonly ConcurrentDictionary<Guid, byte> _writing = new();

    public LocalDiskImageStore(DataDirectory dataDirectory)
        : this(dataDirectory.ImagesPath)
    {
    }

    public LocalDiskImageStore(string root)
    {
        _root = root;
        _incoming = Path.Combine(root, IncomingFolderName);
        DataDirectory.CreatePrivate(root);
        DataDirectory.CreatePrivate(_incoming);
    }

    /// <summary>The free space of the file system that holds the images folder (statvfs on Linux), as an unprivileged user sees it.</summary>
    public long? AvailableBytes => new DriveInfo(_root).AvailableFreeSpace;

    public string PathOf(Guid imageId) => Path.Combine(_root, imageId.ToString("D"));

    /// <summary>Data still being written: a crash leaves it here, never under an image's name.</summary>
    public IEnumerable<string> IncomingFiles() => Directory.EnumerateFiles(_incoming);

    public Task<int> RemoveIncompleteWritesAsync(IReadOnlySet<Guid>? stillRunning, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var partial in IncomingFiles())
        {
            // Partial files are named "{image id}.{write}.partial".
            if (stillRunning is not null && Guid.TryParse(Path.GetFileName(partial).Split('.')[0], out var imageId) && stillRunning.Contains(imageId))
            {
                continue;
            }

            File.Delete(partial);
            removed++;
        }

        return Task.FromResult(removed);
    }

    /// <summary>
    /// Starts writing an image's data; refused while another writer of the same image is open. File.Move without
    /// overwrite checks for the target and then renames, so two writers committing at once could both pass the check
    /// and the second would silently replace the first: one writer per image keeps committed data from ever being replaced.
    /// </summary>
    public Task<ImageDataWriter> BeginWriteAsync(Guid imageId, CancellationToken cancellationToken)
    {
        if (!_writing.TryAdd(imageId, 0))
        {
            throw new IOException($"The data of image {imageId} is already being written.");
        }

        try
        {
            var temporary = Path.Combine(_incoming, $"{imageId:D}.{Guid.NewGuid():N}.partial");
            return Task.FromResult<ImageDataWriter>(new LocalDiskWriter(temporary, PathOf(imageId), () => _writing.TryRemove(imageId, out _)));
        }
        catch
        {
            _writing.TryRemove(imageId, out _);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(Guid imageId, CancellationToken cancellationToken) =>
        OpenReadAsync(imageId, 0, null, cancellationToken);

    public Task<Stream?> OpenReadAsync(Guid imageId, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        FileStream file;
        try
        {
            file = new FileStream(PathOf(imageId), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }

        if (offset == 0 && length is null)
        {
            return Task.FromResult<Stream?>(file);
        }

        file.Seek(offset, SeekOrigin.Begin);
        return Task.FromResult<Stream?>(new ReadLimitStream(file, length ?? long.MaxValue));
    }

    public Task<bool> ExistsAsync(Guid imageId, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(imageId)));

    public Task<long?> LengthOfAsync(Guid imageId, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(imageId));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Task<bool> DeleteAsync(Guid imageId, CancellationToken cancellationToken)
    {
        var path = PathOf(imageId);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    private sealed class LocalDiskWriter : ImageDataWriter
    {
        private readonly string _temporary;
        private readonly string _final;
        private readonly SafeFileHandle _handle;
        private readonly Action _closed;
        private Task _flushing = Task.CompletedTask;
        private long _flushedUpTo;
        private long _length;
        private bool _committed;
        private bool _disposed;

        public LocalDiskWriter(string temporary, string final, Action closed)
        {
            _temporary = temporary;
            _final = final;
            _closed = closed;
            _handle = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_handle, DataDirectory.PrivateFileMode);
            }
        }

        public override long Length => _length;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            for (var offset = 0; offset < data.Length; offset += WriteSlice)
            {
                var slice = data.Slice(offset, Math.Min(WriteSlice, data.Length - offset));

                // Runs of zeros are left as holes, as qemu-img does: a sparse disk image stays sparse on disk.
                if (slice.Span.ContainsAnyExcept((byte)0))
                {
                    await RandomAccess.WriteAsync(_handle, slice, _length + offset, cancellationToken);
                }
            }

            _length += data.Length;
            if (_length - _flushedUpTo >= FlushEvery && _flushing.IsCompleted)
            {
                await _flushing;
                _flushedUpTo = _length;
                _flushing = Task.Run(() => RandomAccess.FlushToDisk(_handle), CancellationToken.None);
            }
        }

        public override async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await _flushing;
            RandomAccess.SetLength(_handle, _length);
            RandomAccess.FlushToDisk(_handle);
            _handle.Dispose();

            // Never overwrite: stored data of an image is written once (active images are read-only).
            File.Move(_temporary, _final, overwrite: false);
            _committed = true;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await _flushing;
            }
            catch (IOException)
            {
                // The transfer failed anyway; the data is discarded below.
            }

            _handle.Dispose();
            try
            {
                if (!_committed)
                {
                    File.Delete(_temporary);
                }
            }
            finally
            {
                _closed();
            }
        }
    }
}
