namespace Portal.Coordination;

/// <summary>
/// This running portal among the instances that share one database: its claims there (transfers in progress, background
/// jobs) carry <see cref="Id"/>, new at every start, so a restarted instance never mistakes its predecessor's claims for its own.
/// </summary>
public sealed class PortalInstance
{
    public const int MaxIdLength = 100;

    public string Id { get; } = $"{Truncate(Environment.MachineName, 40)}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
