using System.Globalization;
using Portal.Configuration;

namespace Portal.Tests.Support;

/// <summary>
/// The scaled-out setup: two portal instances on one PostgreSQL database and one OpenStack Swift (through s3api), both
/// real servers the tests start on loopback, whatever database the rest of the run uses.
/// </summary>
public sealed class ScaledOutPair() : PortalPair(postgreSql: true)
{
    public override async Task InitializeAsync()
    {
        await ScaledOut.ConfigureAsync(this);
        await base.InitializeAsync();
    }
}

/// <summary><see cref="ScaledOutPair"/> with Debian's Chromium, for pages open on either instance.</summary>
public sealed class ScaledOutBrowserPair() : PortalPairBrowser(postgreSql: true)
{
    public override async Task InitializeAsync()
    {
        await ScaledOut.ConfigureAsync(this);
        await base.InitializeAsync();
    }
}

internal static class ScaledOut
{
    private const int PartSizeMb = S3StoreOptions.MinPartSizeMb;

    /// <summary>Both instances' image store: one bucket of their own on the tests' Swift.</summary>
    public static async Task ConfigureAsync(PortalPair pair)
    {
        var swift = await SwiftServer.SharedAsync();
        foreach (var (key, value) in swift.PortalSettings(swift.StoreOptions(partSizeMb: PartSizeMb)))
        {
            pair.With(key, value);
        }

        pair.With("Portal:Images:MaxConcurrentUploadsPerAccount", "20");
    }
}
