namespace Portal.Images.Catalog;

/// <summary>An operating system the portal knows by name, with its OpenStack <c>os_distro</c> value and icon.</summary>
public sealed record OperatingSystemInfo(string Distro, string DisplayName, IReadOnlyList<string> Versions)
{
    public string IconPath => $"assets/os/{Distro}.svg";
}

/// <summary>The operating systems offered in forms and shown with an icon in lists.</summary>
public static class OperatingSystems
{
    public const string OtherDistro = "other";

    public static IReadOnlyList<OperatingSystemInfo> All { get; } =
    [
        new("ubuntu", "Ubuntu", ["26.04", "25.10", "24.04", "22.04", "20.04"]),
        new("debian", "Debian", ["13", "12", "11"]),
        new("almalinux", "AlmaLinux", ["10", "9", "8"]),
        new("rocky", "Rocky Linux", ["10", "9", "8"]),
        new("centos", "CentOS Stream", ["10", "9"]),
        new("fedora", "Fedora", ["44", "43", "42"]),
        new("opensuse", "openSUSE", ["Leap 16.0", "Leap 15.6", "Tumbleweed"]),
        new("freebsd", "FreeBSD", ["15.0", "14.3", "13.5"]),
        new("windows", "Windows Server", ["2025", "2022", "2019"]),
        new(OtherDistro, "Other", []),
    ];

    public static OperatingSystemInfo? Find(string? distro) =>
        distro is null ? null : All.FirstOrDefault(os => string.Equals(os.Distro, distro, StringComparison.OrdinalIgnoreCase));

    /// <summary>"Ubuntu 24.04" for known systems, the raw values otherwise, "—" when unknown.</summary>
    public static string Describe(string? distro, string? version)
    {
        var name = Find(distro)?.DisplayName ?? distro;
        return string.Join(' ', new[] { name, version }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } text
            ? text
            : "—";
    }

    public static string IconFor(string? distro) => (Find(distro) ?? Find(OtherDistro)!).IconPath;
}
