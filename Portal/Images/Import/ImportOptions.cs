namespace Portal.Images.Import;

/// <summary>The "Portal:Import" configuration section: how the server downloads images from customer URLs.</summary>
public sealed class ImportOptions
{
    public const string Section = "Portal:Import";

    /// <summary>
    /// Allows 127.0.0.0/8, ::1 and localhost, and nothing else. Only tests set it
    /// (Portal__Import__AllowLoopback=true) so that they can download from a server of their own.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>
    /// Ports a URL may use (the scheme's implicit port counts). A configured list replaces this default
    /// rather than adding to it (see <see cref="ImportServiceCollectionExtensions.AddUrlImport"/>).
    /// </summary>
    public List<int> AllowedPorts { get; set; } = [80, 443];

    /// <summary>Redirects followed before the import is refused.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Time to open the TCP connection to the server.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the server may send nothing (while we wait for its answer or for the next bytes of the body)
    /// before the download fails. There is no overall limit: a multi-GB image may take hours.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Imports one account may run at once; more wait in the account's line (the image stays importing).</summary>
    public int MaxRunningPerAccount { get; set; } = 2;

    /// <summary>Imports one account may have waiting; one more is refused at once.</summary>
    public int MaxQueuedPerAccount { get; set; } = 10;

    public string UserAgent { get; set; } = "Portal-image-import/1.0";

    /// <summary>
    /// Networks (CIDR, e.g. 203.0.113.0/24) never imported from, on top of the built-in non-public ranges: the
    /// platform's own public addresses (API endpoints, storage), which a private-range check cannot know.
    /// </summary>
    public List<string> DeniedNetworks { get; set; } = [];
}
