using Microsoft.Extensions.Time.Testing;
using Portal.Images.Import;
using Portal.Images.Transfer;

namespace Portal.Tests.Images.Transfer;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class TransferRateWatchTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task ASourceFasterThanTheMinimumIsNotStopped()
    {
        using var watch = new TransferRateWatch(1000, Window, _clock, TransferKind.Upload, CancellationToken.None);
        var source = watch.Watch(new MemoryStream(new byte[200_000]));

        await ReadAsync(source, 60_000);
        _clock.Advance(Window);
        await ReadAsync(source, 60_000);
        _clock.Advance(Window);

        Assert.False(watch.TooSlow);
        Assert.False(watch.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task ASourceSlowerThanTheMinimumOverAWindowIsStoppedWithTheReason()
    {
        using var watch = new TransferRateWatch(1000, Window, _clock, TransferKind.Upload, CancellationToken.None);
        var source = watch.Watch(new MemoryStream(new byte[200_000]));

        await ReadAsync(source, 60_000);
        _clock.Advance(Window);
        await ReadAsync(source, 59_999);
        _clock.Advance(Window);

        Assert.True(watch.TooSlow);
        Assert.True(watch.Token.IsCancellationRequested);
        var failure = Assert.IsType<TransferInterruptedException>(watch.Failure(new OperationCanceledException()));
        Assert.Contains("less than 1 kB per second arrived over 60 seconds", failure.Message);
    }

    [Fact]
    public void ASlowImportFailsSoThatItCanBeRetried()
    {
        using var watch = new TransferRateWatch(1000, Window, _clock, TransferKind.Import, CancellationToken.None);

        _clock.Advance(Window);

        Assert.True(watch.TooSlow);
        var failure = Assert.IsType<ImportFailedException>(watch.Failure(new OperationCanceledException()));
        Assert.False(failure.Permanent);
        Assert.StartsWith("The import was stopped", failure.Message);
    }

    [Fact]
    public void NoMinimumNeverStops()
    {
        using var watch = new TransferRateWatch(0, Window, _clock, TransferKind.Upload, CancellationToken.None);

        _clock.Advance(Window * 10);

        Assert.False(watch.TooSlow);
    }

    private static async Task ReadAsync(Stream source, int bytes)
    {
        var buffer = new byte[bytes];
        var read = 0;
        while (read < bytes)
        {
            read += await source.ReadAsync(buffer.AsMemory(read));
        }
    }
}
