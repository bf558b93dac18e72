namespace Portal.Tests.Support;

/// <summary>A clock the test moves by hand.</summary>
public sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    public FakeClock()
        : this(new DateTimeOffset(2026, 11, 15, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public DateTimeOffset Now { get; private set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;

    public void Set(DateTimeOffset now) => Now = now;
}
