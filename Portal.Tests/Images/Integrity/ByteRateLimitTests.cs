using Microsoft.Extensions.Time.Testing;
using Portal.Images.Integrity;

namespace Portal.Tests.Images.Integrity;

/// <summary>The read limit is a token bucket on the injected clock.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ByteRateLimitTests
{
    [Fact]
    public void OneSecondsWorthPassesThenReadersWaitForTheBucketToRefill()
    {
        var time = new FakeTimeProvider();
        var limit = new ByteRateLimit(1000, time);

        Assert.Equal(TimeSpan.Zero, limit.Take(1000));
        Assert.Equal(TimeSpan.FromSeconds(0.5), limit.Take(500));

        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(TimeSpan.Zero, limit.Take(1000));
    }

    [Fact]
    public async Task AReaderInDebtWaitsOnTheClock()
    {
        var time = new FakeTimeProvider();
        var limit = new ByteRateLimit(1000, time);

        var wait = limit.WaitAsync(3000, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ZeroMeansNoLimit() => Assert.Equal(TimeSpan.Zero, new ByteRateLimit(0, new FakeTimeProvider()).Take(long.MaxValue));
}
