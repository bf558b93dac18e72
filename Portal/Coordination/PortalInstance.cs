namespace Portal.Coordination;

/// <summary>
/// This running portal among the instances that share one database: its claims there (transfers in progress, background
/// jobs) carry <see cref="Id"/>, new at every start, so a restarted instance never mistakes its predecessor's claims for its own.
/// </summary>
public sealed class PortalInstance
{
    public const int MaxIdLength = 100;

    private static readonly string Machine = Truncate(Environment.MachineName, 40);

    public string Id { get; } = $"{Machine}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>
    /// Whether <paramref name="instanceId"/> was a process on this machine that is gone (a crash, a kill -9): its claims
    /// need not wait for their lease to run out. False whenever that cannot be told for sure (another machine, this very
    /// process, a process id in use again): then the lease decides.
    /// </summary>
    public static bool IsGoneFromThisMachine(string instanceId)
    {
        var parts = instanceId.Split('/');
        if (parts.Length != 3 || parts[0] != Machine || !int.TryParse(parts[1], out var pid) || pid == Environment.ProcessId)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // No such process, or it ended while being looked at.
            return true;
        }
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
