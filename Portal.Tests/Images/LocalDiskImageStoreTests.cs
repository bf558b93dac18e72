using Portal.Images;

namespace Portal.Tests.Images;

public sealed class LocalDiskImageStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DataIsInvisibleUntilCommittedThenStoredUnderTheImageId()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();

        await using (var writer = store.BeginWrite(id))
        {
            await writer.WriteAsync("hello "u8.ToArray(), CancellationToken.None);
            await writer.WriteAsync("world"u8.ToArray(), CancellationToken.None);
            Assert.False(store.Exists(id));
            Assert.Single(store.IncomingFiles());

            await writer.CommitAsync(CancellationToken.None);
            Assert.Equal(11, writer.Length);
        }

        Assert.True(store.Exists(id));
        Assert.Equal("hello world", await File.ReadAllTextAsync(store.PathOf(id)));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task DisposingWithoutCommitLeavesNothingBehind()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();

        await using (var writer = store.BeginWrite(id))
        {
            await writer.WriteAsync(new byte[4096], CancellationToken.None);
        }

        Assert.False(store.Exists(id));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task CommittedDataIsNeverOverwritten()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        await using (var first = store.BeginWrite(id))
        {
            await first.WriteAsync("original"u8.ToArray(), CancellationToken.None);
            await first.CommitAsync(CancellationToken.None);
        }

        await using (var second = store.BeginWrite(id))
        {
            await second.WriteAsync("replacement"u8.ToArray(), CancellationToken.None);
            await Assert.ThrowsAsync<IOException>(async () => await second.CommitAsync(CancellationToken.None));
        }

        Assert.Equal("original", await File.ReadAllTextAsync(store.PathOf(id)));
        Assert.Empty(store.IncomingFiles());
    }

    [Fact]
    public async Task DeleteRemovesStoredDataOnce()
    {
        var store = new LocalDiskImageStore(_root);
        var id = Guid.NewGuid();
        await using (var writer = store.BeginWrite(id))
        {
            await writer.WriteAsync(new byte[1], CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.True(store.Delete(id));
        Assert.False(store.Delete(id));
        Assert.Null(store.OpenRead(id));
    }
}
