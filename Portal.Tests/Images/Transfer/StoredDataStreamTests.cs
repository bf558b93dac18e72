using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Transfer;

/// <summary>
/// The download stream asks the store for the bytes it is positioned at (a ranged GET on an object store), as the
/// download result reads it: opened ahead for the request's range, then a seek and a bounded read.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class StoredDataStreamTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-stream-").FullName;
    private readonly CountingImageStore _store;
    private readonly Guid _id = Guid.NewGuid();
    private readonly byte[] _content = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();

    public StoredDataStreamTests()
    {
        _store = new CountingImageStore(new LocalDiskImageStore(_root));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task StoreContentAsync()
    {
        await using var writer = await _store.BeginWriteAsync(_id, CancellationToken.None);
        await writer.WriteAsync(_content, CancellationToken.None);
        await writer.CommitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ARangeOpenedAheadIsReadWithOneStoreReadOfJustThoseBytes()
    {
        await StoreContentAsync();
        await using var stream = new StoredDataStream(_store, _id, _content.Length);
        await stream.OpenAsync(1000, 500, CancellationToken.None);

        stream.Seek(1000, SeekOrigin.Begin);
        var read = await ReadAsync(stream, 500);

        Assert.Equal(_content[1000..1500], read);
        Assert.Equal([(_id, 1000L, (long?)500)], _store.Reads);
    }

    [Fact]
    public async Task ASeekElsewhereOpensANewRangeFromThereToTheEnd()
    {
        await StoreContentAsync();
        await using var stream = new StoredDataStream(_store, _id, _content.Length);
        await stream.OpenAsync(0, _content.Length, CancellationToken.None);

        stream.Seek(9_000, SeekOrigin.Begin);
        var tail = await ReadAsync(stream, 2_000);

        Assert.Equal(_content[9_000..], tail);
        Assert.Equal([(_id, 0L, (long?)_content.Length), (_id, 9_000L, (long?)1_000)], _store.Reads);
        Assert.Equal(_content.Length, stream.Length);
    }

    [Fact]
    public async Task DataGoneBeforeTheFirstReadIsAnIOException()
    {
        await using var stream = new StoredDataStream(_store, _id, 100);

        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[10]).AsTask());
    }

    [Theory]
    [InlineData(0L, 99L, 1000L, 0L, 100L)]
    [InlineData(900L, null, 1000L, 900L, 100L)]
    [InlineData(900L, 5000L, 1000L, 900L, 100L)]
    [InlineData(null, 10L, 1000L, 990L, 10L)]
    [InlineData(null, 5000L, 1000L, 0L, 1000L)]
    public void ARangeIsPlacedWithinTheData(long? from, long? to, long length, long offset, long count)
    {
        Assert.Equal((offset, count), new ByteRange(from, to).Within(length));
    }

    [Theory]
    [InlineData(1000L, null, 1000L)]
    [InlineData(null, 0L, 1000L)]
    [InlineData(5L, 4L, 1000L)]
    public void AnUnsatisfiableRangeIsNone(long? from, long? to, long length)
    {
        Assert.Null(new ByteRange(from, to).Within(length));
    }

    private static async Task<byte[]> ReadAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        var total = 0;
        int read;
        while (total < count && (read = await stream.ReadAsync(buffer.AsMemory(total))) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }
}
