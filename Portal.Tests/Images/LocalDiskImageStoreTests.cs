using System.Security.Cryptography;
using Portal.Images;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class LocalDiskImageStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DataIsInvisibleUntilCommittedThenStoredUnderTheImageId()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync("hello "u8.ToArray(), CancellationToken.None);
            await writer.WriteAsync("world"u8.ToArray(), CancellationToken.None);
            Assert.False(await store.ExistsAsync(id, CancellationToken.None));
            Assert.Single(store.IncomingFiles());

            await writer.CommitAsync(CancellationToken.None);
            Assert.Equal(11, writer.Length);
        }

        Assert.True(await store.ExistsAsync(id, CancellationToken.None));
        Assert.Equal("hello world", await File.ReadAllTextAsync(store.PathOf(id)));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task ImageFilesAndTheirFoldersAreTheOwnersOnlyWhateverTheUmask()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var root = Path.Combine(_root, "store");
        var store = new LocalDiskImageStore(root);
        var id = Guid.NewGuid();

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync("secret"u8.ToArray(), CancellationToken.None);
            Assert.Equal(Portal.Configuration.DataDirectory.PrivateFileMode, File.GetUnixFileMode(Assert.Single(store.IncomingFiles())));
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(Portal.Configuration.DataDirectory.PrivateFileMode, File.GetUnixFileMode(store.PathOf(id)));
        Assert.Equal(Portal.Configuration.DataDirectory.PrivateFolderMode, File.GetUnixFileMode(root));
        Assert.Equal(Portal.Configuration.DataDirectory.PrivateFolderMode, File.GetUnixFileMode(Path.Combine(root, LocalDiskImageStore.IncomingFolderName)));
    }

    [Fact]
    public async Task DisposingWithoutCommitLeavesNothingBehind()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync(new byte[4096], CancellationToken.None);
        }

        Assert.False(await store.ExistsAsync(id, CancellationToken.None));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task CommittedDataIsNeverOverwritten()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        await using (var first = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await first.WriteAsync("original"u8.ToArray(), CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
        }

        await using (var second = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await second.WriteAsync("replacement"u8.ToArray(), CancellationToken.None);
            await Assert.ThrowsAsync<IOException>(async () => await second.CommitAsync(CancellationToken.None));
        }

        Assert.Equal("original", await File.ReadAllTextAsync(store.PathOf(id)));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task ASecondWriterOfTheSameImageIsRefusedWhileTheFirstIsOpen()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        await using (var first = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            var refused = await Assert.ThrowsAsync<IOException>(() => store.BeginWriteAsync(id, CancellationToken.None));
            Assert.Equal($"The data of image {id} is already being written.", refused.Message);
            await using (var other = await store.BeginWriteAsync(Guid.NewGuid(), CancellationToken.None))
            {
                // Another image's data may be written meanwhile.
            }

            await first.WriteAsync("first"u8.ToArray(), CancellationToken.None);
        }

        // Closed without committing: nothing stored, and the image may be written again.
        Assert.False(await store.ExistsAsync(id, CancellationToken.None));
        await using (var again = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await again.WriteAsync("again"u8.ToArray(), CancellationToken.None);
            await again.CommitAsync(CancellationToken.None);
        }

        Assert.Equal("again", await File.ReadAllTextAsync(store.PathOf(id)));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task DeleteRemovesStoredDataOnce()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync(new byte[1], CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.True(await store.DeleteAsync(id, CancellationToken.None));
        Assert.False(await store.DeleteAsync(id, CancellationToken.None));
        Assert.Null(await store.OpenReadAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task ZerosAreStoredAsHolesButReadBackExactly()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        var zeros = new byte[8 << 20];
        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync(zeros, CancellationToken.None);
            await writer.WriteAsync("data"u8.ToArray(), CancellationToken.None);
            await writer.WriteAsync(zeros, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        var content = await File.ReadAllBytesAsync(store.PathOf(id));
        Assert.Equal((16 << 20) + 4, content.Length);
        Assert.Equal("data", System.Text.Encoding.ASCII.GetString(content, 8 << 20, 4));
        Assert.False(content.AsSpan(0, 8 << 20).ContainsAnyExcept((byte)0));
        Assert.False(content.AsSpan((8 << 20) + 4).ContainsAnyExcept((byte)0));
        var allocated = DiskUsage(store.PathOf(id));
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for a file that is almost all zeros");
    }

    [Fact]
    public async Task ZerosWithinOneLargeWriteAreStoredAsHolesAndEveryPieceLandsInPlace()
    {
        // The receiver hands the store 1 MiB chunks; the store writes them in smaller slices, each judged on its own.
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        var chunk = new byte[(16 << 20) + 5];
        "head"u8.CopyTo(chunk);
        "middle"u8.CopyTo(chunk.AsSpan((8 << 20) + LocalDiskImageStore.WriteSlice - 3));
        "tail!"u8.CopyTo(chunk.AsSpan(chunk.Length - 5));
        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync("lead"u8.ToArray(), CancellationToken.None);
            await writer.WriteAsync(chunk, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        var content = await File.ReadAllBytesAsync(store.PathOf(id));
        Assert.Equal("lead", System.Text.Encoding.ASCII.GetString(content, 0, 4));
        Assert.True(content.AsSpan(4).SequenceEqual(chunk), "the stored bytes differ from those written");
        var allocated = DiskUsage(store.PathOf(id));
        Assert.True(allocated <= 8 * LocalDiskImageStore.WriteSlice, $"{allocated} bytes allocated for 16 MiB that hold 19 bytes of data");
    }

    [Fact]
    public async Task DataFlushedInTheBackgroundWhileWritingIsStoredExactly()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        var chunk = new byte[1 << 20];
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = (3 * LocalDiskImageStore.FlushEvery) + 12345;

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            for (long written = 0; written < length; written += chunk.Length)
            {
                RandomNumberGenerator.Fill(chunk);
                var part = chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - written));
                sha256.AppendData(part.Span);
                await writer.WriteAsync(part, CancellationToken.None);
            }

            await writer.CommitAsync(CancellationToken.None);
        }

        await using var stored = File.OpenRead(store.PathOf(id));
        Assert.Equal(length, stored.Length);
        Assert.Equal(sha256.GetHashAndReset(), await SHA256.HashDataAsync(stored));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task AbandonedWriteLeavesNothingBehindEvenWhileAFlushRuns()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        var chunk = RandomNumberGenerator.GetBytes(1 << 20);

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            for (long written = 0; written <= 2 * LocalDiskImageStore.FlushEvery; written += chunk.Length)
            {
                await writer.WriteAsync(chunk, CancellationToken.None);
            }
        }

        Assert.False(await store.ExistsAsync(id, CancellationToken.None));
        Assert.Empty(store.IncomingFiles());
    }

    private static long DiskUsage(string path)
    {
        var du = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("du", ["-B1", "--", path]) { RedirectStandardOutput = true })!;
        var output = du.StandardOutput.ReadToEnd();
        du.WaitForExit();
        return long.Parse(output.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
