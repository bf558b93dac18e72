using System.Security.Cryptography;
using Portal.Images;
using Portal.Images.ObjectStore;
using Portal.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Tests.Images;

/// <summary>
/// What every image store promises, run against each store the portal can be configured with: the local disk and an
/// S3 object store (a real Swift with s3api). "Start" is a new store over the same folder or bucket, as after a restart.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public abstract class ImageStoreContractTests : IAsyncLifetime
{
    /// <summary>S3's smallest part: images above it go up in several parts.</summary>
    protected const int PartSize = 5 << 20;

    private static readonly CancellationToken None = CancellationToken.None;

    protected IImageStore Store { get; private set; } = null!;

    /// <summary>A store over the same place as <see cref="Store"/>, as a restarted portal would have it.</summary>
    protected abstract Task<IImageStore> OpenStoreAsync();

    /// <summary>Writes started and neither committed nor discarded: partial files, or multipart uploads.</summary>
    protected abstract Task<int> IncompleteWritesAsync();

    public virtual async Task InitializeAsync() => Store = await OpenStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task DataIsInvisibleUntilCommittedAndThenReadsBackWhole()
    {
        var id = Guid.NewGuid();
        await using (var writer = await Store.BeginWriteAsync(id, None))
        {
            await writer.WriteAsync("hello "u8.ToArray(), None);
            await writer.WriteAsync("world"u8.ToArray(), None);
            Assert.Equal(11, writer.Length);
            Assert.False(await Store.ExistsAsync(id, None));
            Assert.Null(await Store.OpenReadAsync(id, None));
            await writer.CommitAsync(None);
        }

        Assert.True(await Store.ExistsAsync(id, None));
        Assert.Equal(11, await Store.LengthOfAsync(id, None));
        Assert.Equal("hello world"u8.ToArray(), await ReadAllAsync(await Store.OpenReadAsync(id, None)));
        Assert.Equal(0, await IncompleteWritesAsync());
    }

    [Fact]
    public async Task ARangeReadsJustThoseBytes()
    {
        var id = Guid.NewGuid();
        var content = Bytes(100_000, seed: 7);
        await WriteAsync(id, content);

        Assert.Equal(content[1000..1100], await ReadAllAsync(await Store.OpenReadAsync(id, 1000, 100, None)));
        Assert.Equal(content[99_990..], await ReadAllAsync(await Store.OpenReadAsync(id, 99_990, null, None)));
        Assert.Equal(content[..1], await ReadAllAsync(await Store.OpenReadAsync(id, 0, 1, None)));
        Assert.Null(await Store.OpenReadAsync(Guid.NewGuid(), 10, 10, None));
    }

    [Fact]
    public async Task CommitRefusesToReplaceStoredData()
    {
        var id = Guid.NewGuid();
        await WriteAsync(id, "original"u8.ToArray());

        await using (var second = await Store.BeginWriteAsync(id, None))
        {
            await second.WriteAsync("replacement"u8.ToArray(), None);
            await Assert.ThrowsAsync<IOException>(() => second.CommitAsync(None).AsTask());
        }

        Assert.Equal("original"u8.ToArray(), await ReadAllAsync(await Store.OpenReadAsync(id, None)));
        Assert.Equal(0, await IncompleteWritesAsync());
    }

    [Fact]
    public async Task ASecondWriterOfTheSameImageIsRefusedWhileTheFirstIsOpen()
    {
        var id = Guid.NewGuid();
        await using (var first = await Store.BeginWriteAsync(id, None))
        {
            var refused = await Assert.ThrowsAsync<IOException>(() => Store.BeginWriteAsync(id, None));
            Assert.Equal($"The data of image {id} is already being written.", refused.Message);
        }

        await WriteAsync(id, "again"u8.ToArray());
        Assert.Equal("again"u8.ToArray(), await ReadAllAsync(await Store.OpenReadAsync(id, None)));
    }

    [Fact]
    public async Task DisposingWithoutCommitLeavesNothing()
    {
        var id = Guid.NewGuid();
        await using (var writer = await Store.BeginWriteAsync(id, None))
        {
            // More than a part: on an object store the multipart upload has begun and a part is stored.
            await writer.WriteAsync(Bytes(PartSize + 1000, seed: 3), None);
        }

        Assert.False(await Store.ExistsAsync(id, None));
        Assert.Null(await Store.LengthOfAsync(id, None));
        Assert.Equal(0, await IncompleteWritesAsync());
    }

    [Fact]
    public async Task DeleteRemovesTheDataAndRemovingNothingIsNoError()
    {
        var id = Guid.NewGuid();
        await WriteAsync(id, "to be deleted"u8.ToArray());

        Assert.True(await Store.DeleteAsync(id, None));
        Assert.False(await Store.DeleteAsync(id, None));
        Assert.Null(await Store.OpenReadAsync(id, None));
        Assert.False(await Store.ExistsAsync(id, None));
    }

    [Fact]
    public async Task WritesLeftByACrashAreRemovedAtStart()
    {
        var id = Guid.NewGuid();
        // "Crashes": the writer is never disposed, as when the process dies mid-upload.
        var crashed = await Store.BeginWriteAsync(id, None);
        await crashed.WriteAsync(Bytes(PartSize + 10, seed: 5), None);
        await Eventually.TrueAsync(async () => await IncompleteWritesAsync() == 1);

        var restarted = await OpenStoreAsync();
        Assert.Equal(1, await restarted.RemoveIncompleteWritesAsync(null, None));

        Assert.Equal(0, await IncompleteWritesAsync());
        Assert.False(await restarted.ExistsAsync(id, None));
        Assert.Equal(0, await restarted.RemoveIncompleteWritesAsync(null, None));
    }

    [Fact]
    public async Task AnImageOfSeveralPartsReadsBackWithTheSameChecksum()
    {
        var id = Guid.NewGuid();
        var content = Bytes((2 * PartSize) + 123_457, seed: 11);
        await using (var writer = await Store.BeginWriteAsync(id, None))
        {
            // Odd-sized buffers, as a network read hands them over: parts are cut from them, not from the writes.
            for (var at = 0; at < content.Length; at += 65_521)
            {
                await writer.WriteAsync(content.AsMemory(at, Math.Min(65_521, content.Length - at)), None);
            }

            await writer.CommitAsync(None);
        }

        Assert.Equal(content.Length, await Store.LengthOfAsync(id, None));
        await using var read = await Store.OpenReadAsync(id, None);
        Assert.Equal(SHA512.HashData(content), await SHA512.HashDataAsync(read!));
        Assert.Equal(content[(PartSize - 10)..(PartSize + 10)], await ReadAllAsync(await Store.OpenReadAsync(id, PartSize - 10, 20, None)));
    }

    private async Task WriteAsync(Guid id, byte[] content)
    {
        await using var writer = await Store.BeginWriteAsync(id, None);
        await writer.WriteAsync(content, None);
        await writer.CommitAsync(None);
    }

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(Stream? stream)
    {
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class LocalDiskImageStoreContractTests : ImageStoreContractTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("portal-store-").FullName;

    protected override Task<IImageStore> OpenStoreAsync() => Task.FromResult<IImageStore>(new LocalDiskImageStore(_root));

    protected override Task<int> IncompleteWritesAsync() =>
        Task.FromResult(Directory.EnumerateFiles(Path.Combine(_root, LocalDiskImageStore.IncomingFolderName)).Count());

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>The same promises kept by an S3 bucket on a real OpenStack Swift (s3api), a bucket per test.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public abstract class S3StoreContractTests(Func<Task<SwiftServer>> startSwift, ITestOutputHelper output) : ImageStoreContractTests
{
    private Configuration.S3StoreOptions _options = null!;

    public override async Task InitializeAsync()
    {
        var swift = await startSwift();
        output.WriteLine($"Swift ({swift.ServiceUrl.Scheme}) started from an empty folder in {swift.StartTime.TotalSeconds:0.0} s (once per test process)");
        _options = swift.StoreOptions(partSizeMb: PartSize >> 20);
        await base.InitializeAsync();
    }

    protected override Task<IImageStore> OpenStoreAsync() =>
        Task.FromResult<IImageStore>(new S3ImageStore(_options, Microsoft.Extensions.Logging.Abstractions.NullLogger<S3ImageStore>.Instance));

    protected override async Task<int> IncompleteWritesAsync() => (await ((S3ImageStore)Store).IncompleteUploadsAsync(CancellationToken.None)).Count;
}

/// <summary>Over plain http: the SDK signs every part's SHA-256.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class S3ImageStoreContractTests(ITestOutputHelper output) : S3StoreContractTests(SwiftServer.SharedAsync, output);

/// <summary>Over https, trusting the test's own authority (Portal:ImageStore:S3:CaCertificateFile): parts go UNSIGNED-PAYLOAD.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class S3TlsImageStoreContractTests(ITestOutputHelper output) : S3StoreContractTests(SwiftServer.SharedTlsAsync, output);
