namespace Portal.Tests;

/// <summary>
/// The category every test class carries (<c>[Trait(TestCategories.Category, TestCategories.Unit)]</c>), so that a
/// run can be limited: <c>dotnet test Portal.sln --filter Category=Unit</c>.
/// </summary>
public static class TestCategories
{
    public const string Category = "Category";

    /// <summary>In-process and in memory: no database file, no disk, no network, no external program.</summary>
    public const string Unit = "Unit";

    /// <summary>Real SQLite files and image files on disk, the app in-process or on Kestrel, loopback servers, qemu-img.</summary>
    public const string Integration = "Integration";

    /// <summary>A person's steps in Chromium, driven by Playwright, against the portal on Kestrel.</summary>
    public const string Browser = "Browser";

    public static readonly IReadOnlyList<string> All = [Unit, Integration, Browser];
}
