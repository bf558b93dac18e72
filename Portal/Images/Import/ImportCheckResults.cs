using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Portal.Images.Import;

/// <summary>Why <see cref="ImportUrlPolicy.CheckUrl"/> refused a URL.</summary>
public enum UrlRefusal
{
    None,
    Empty,
    TooLong,
    NotAbsolute,
    Scheme,
    Malformed,
    UserInfo,
    NonCanonicalAddress,
    LocalName,
    ForbiddenAddress,
    Port,
}

/// <summary>What kind of network an address belongs to; only <see cref="Public"/> may be imported from.</summary>
public enum AddressRange
{
    Public,
    Loopback,
    Private,
    SharedAddressSpace,
    LinkLocal,
    UniqueLocal,
    SiteLocal,
    Multicast,
    Unspecified,
    Broadcast,
    Reserved,
    Benchmarking,
    Documentation,
    Teredo,

    /// <summary>A cloud platform's host endpoint (Azure's 168.63.129.16: DHCP, DNS, agent and health traffic), as sensitive as the metadata service.</summary>
    PlatformService,
}

public sealed record UrlCheckResult
{
    /// <summary>The parsed URL, set when the URL is allowed.</summary>
    public Uri? Url { get; private init; }

    public UrlRefusal Refusal { get; private init; }

    /// <summary>Why the URL was refused, written for the customer.</summary>
    public string? Reason { get; private init; }

    /// <summary>For <see cref="UrlRefusal.ForbiddenAddress"/>: the range the host's address falls in.</summary>
    public AddressRange? Range { get; private init; }

    [MemberNotNullWhen(true, nameof(Url))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsAllowed => Refusal == UrlRefusal.None;

    internal static UrlCheckResult Allowed(Uri url) => new() { Url = url };

    internal static UrlCheckResult Refused(UrlRefusal refusal, string reason, AddressRange? range = null) =>
        new() { Refusal = refusal, Reason = reason, Range = range };
}

public sealed record AddressCheckResult
{
    public required IPAddress Address { get; init; }

    public required AddressRange Range { get; init; }

    /// <summary>Why the address was refused, written for the customer; null when it is allowed.</summary>
    public string? Reason { get; init; }

    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsAllowed => Reason is null;
}
