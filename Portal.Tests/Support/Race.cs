using Portal.Rules;

namespace Portal.Tests.Support;

/// <summary>What one side of a race came to: its result, or the refusal the domain gave it.</summary>
public sealed record RaceOutcome<T>(T? Value, RefusedException? Refusal)
{
    public bool Won => Refusal is null;

    public override string ToString() => Won ? "won" : $"refused ({Refusal!.Code}): {Refusal.Message}";
}

/// <summary>
/// Starts operations at the same instant on thread-pool threads (a <see cref="Barrier"/> lets them all go at once) and
/// collects what each came to. A refusal is an outcome; any other exception fails the test that raced.
/// </summary>
public static class Race
{
    public static async Task<(RaceOutcome<TA> A, RaceOutcome<TB> B)> RunAsync<TA, TB>(Func<Task<TA>> a, Func<Task<TB>> b)
    {
        using var start = new Barrier(2);

        // Either side is handed to the thread pool first as often as the other, so neither wins by always starting ahead.
        Task<RaceOutcome<TA>> first;
        Task<RaceOutcome<TB>> second;
        if (Random.Shared.Next(2) == 0)
        {
            first = Task.Run(() => OutcomeOfAsync(start, a));
            second = Task.Run(() => OutcomeOfAsync(start, b));
        }
        else
        {
            second = Task.Run(() => OutcomeOfAsync(start, b));
            first = Task.Run(() => OutcomeOfAsync(start, a));
        }

        return (await first, await second);
    }

    public static async Task<RaceOutcome<T>[]> RunAllAsync<T>(params Func<Task<T>>[] operations)
    {
        using var start = new Barrier(operations.Length);
        var running = operations.Select(operation => Task.Run(() => OutcomeOfAsync(start, operation))).ToArray();
        return await Task.WhenAll(running);
    }

    /// <summary>For operations that return nothing.</summary>
    public static Func<Task<bool>> Done(Func<Task> operation) => async () =>
    {
        await operation();
        return true;
    };

    private static async Task<RaceOutcome<T>> OutcomeOfAsync<T>(Barrier start, Func<Task<T>> operation)
    {
        start.SignalAndWait(TimeSpan.FromSeconds(30));
        try
        {
            return new RaceOutcome<T>(await operation(), null);
        }
        catch (RefusedException refused)
        {
            return new RaceOutcome<T>(default, refused);
        }
    }
}
