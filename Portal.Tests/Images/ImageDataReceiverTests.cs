using System.Security.Cryptography;
using Portal.Images;
using Portal.Images.Transfer;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageDataReceiverTests
{
    private static byte[] RandomData(int length)
    {
        var data = new byte[length];
        new Random(42).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task TheTransferSeesEveryChunkInOrderAndTheDigestsAreOfAllTheData()
    {
        var data = RandomData(ImageDataReceiver.ChunkSize * 3 + 12345);
        var transfer = new RecordingTransfer();
        var writer = new MemoryWriter();

        var received = await ImageDataReceiver.ReceiveAsync(new MemoryStream(data), writer, transfer, CancellationToken.None);

        Assert.Equal(data.Length, received.Size);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), received.Md5Hex);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), received.Sha512Hex);
        Assert.Equal(data, writer.Written.ToArray());
        Assert.Equal(data, transfer.Observed.ToArray());
        long[] totals = [1 << 20, 2 << 20, 3 << 20, data.Length];
        Assert.Equal(totals, transfer.Accepted);
        Assert.Equal(totals, transfer.Reported);
    }

    [Fact]
    public async Task AChunkTheTransferRefusesIsNeitherObservedNorWritten()
    {
        var data = RandomData(ImageDataReceiver.ChunkSize * 4);
        var transfer = new RecordingTransfer { RefuseAbove = 2L << 20 };
        var writer = new MemoryWriter();

        var refusal = await Assert.ThrowsAsync<ImageTransferRefusedException>(
            () => ImageDataReceiver.ReceiveAsync(new MemoryStream(data), writer, transfer, CancellationToken.None));

        Assert.Equal("too much", refusal.Message);
        Assert.Equal(data.AsSpan(0, 2 << 20).ToArray(), transfer.Observed.ToArray());
        Assert.True(writer.Written.Length <= 2 << 20);
        Assert.Equal(2L << 20, transfer.Reported.Last());
    }

    private sealed class RecordingTransfer : IReceivingTransfer
    {
        public long RefuseAbove { get; init; } = long.MaxValue;
        public List<long> Accepted { get; } = [];
        public List<long> Reported { get; } = [];
        public MemoryStream Observed { get; } = new();

        public ValueTask AcceptAsync(long total, CancellationToken cancellationToken)
        {
            if (total > RefuseAbove)
            {
                throw new ImageTransferRefusedException("too much", TransferRefusal.TooLarge);
            }

            Accepted.Add(total);
            return ValueTask.CompletedTask;
        }

        public void Observe(ReadOnlyMemory<byte> chunk) => Observed.Write(chunk.Span);

        public void Progress(long total) => Reported.Add(total);
    }

    private sealed class MemoryWriter : ImageDataWriter
    {
        public MemoryStream Written { get; } = new();

        public override long Length => Written.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Written.Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public override ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
