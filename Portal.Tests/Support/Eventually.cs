namespace Portal.Tests.Support;

public static class Eventually
{
    /// <summary>Waits (bounded, 20 s) for something the server does after the client has had its answer.</summary>
    public static async Task TrueAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    /// <summary>The same, for a condition that reads the database.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(await condition());
    }
}
