using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Portal.Images.Import;

/// <summary>
/// Which URLs and addresses the server may download images from. Pure checks, no I/O: the URL check gives the
/// customer an early, clear answer; the address check is what <see cref="UrlDownloader"/> applies to every
/// address it is about to connect to, which is the real boundary against SSRF.
/// </summary>
public sealed class ImportUrlPolicy(IOptions<ImportOptions> options)
{
    public const int MaxUrlLength = 2048;

    private const string LoopbackReason = "That address points at the portal's own servers and cannot be imported from.";
    private const string PrivateReason = "That address is on a private network and cannot be imported from.";
    private const string NotPublicReason = "That address is not a public internet address and cannot be imported from.";
    private const string DeniedReason = "That address is on a network the portal does not import from.";

    // Names that only ever resolve inside a private network: mDNS (.local), ICANN's private-use .internal
    // (metadata.google.internal lives there), RFC 8375 home networks, and the usual resolver default domain.
    private static readonly string[] PrivateSuffixes = [".local", ".internal", ".home.arpa", ".localdomain"];

    private readonly ImportOptions settings = options.Value;

    private readonly IPNetwork[] deniedNetworks = [.. options.Value.DeniedNetworks.Select(cidr => IPNetwork.Parse(cidr))];

    /// <summary>What an import URL may be, for a form's help text: the same facts <see cref="CheckUrl"/> enforces.</summary>
    public string Summary => settings.AllowedPorts.Count == 1 ? $"http or https, port {PortList()}" : $"http or https, ports {PortList()}";

    public UrlCheckResult CheckUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return UrlCheckResult.Refused(UrlRefusal.Empty, "Enter the URL of the image.");
        }

        var text = url.Trim();
        if (text.Length > MaxUrlLength)
        {
            return UrlCheckResult.Refused(UrlRefusal.TooLong, $"The URL is longer than {MaxUrlLength} characters.");
        }

        var schemeLength = SchemeLength(text);
        if (schemeLength < 0)
        {
            return UrlCheckResult.Refused(UrlRefusal.NotAbsolute, "Enter a full URL that starts with https:// or http://.");
        }

        if (!text[..schemeLength].Equals("http", StringComparison.OrdinalIgnoreCase)
            && !text[..schemeLength].Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return UrlCheckResult.Refused(UrlRefusal.Scheme, "Only http and https URLs can be imported.");
        }

        // Parsers disagree on what tabs, newlines and backslashes mean inside a URL; a URL that means one host
        // to this check and another to the HTTP stack is how filters get bypassed, so such URLs are not guessed at.
        if (text.Any(c => c <= ' ' || c == '\x7f')
            || !text.AsSpan(schemeLength + 1).StartsWith("//")
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.IdnHost.Length == 0)
        {
            return UrlCheckResult.Refused(UrlRefusal.Malformed, "That is not a valid URL.");
        }

        var authority = RawAuthority(text, schemeLength + 3);
        if (authority.Contains('@') || uri.UserInfo.Length > 0)
        {
            return UrlCheckResult.Refused(
                UrlRefusal.UserInfo,
                "URLs with a user name or password cannot be imported; use a link that downloads without signing in.");
        }

        var hostRefusal = CheckHost(RawHost(authority), uri);
        if (hostRefusal is not null)
        {
            return hostRefusal;
        }

        if (!settings.AllowedPorts.Contains(uri.Port))
        {
            return UrlCheckResult.Refused(UrlRefusal.Port, $"Port {uri.Port} is not allowed; use {PortList()}.");
        }

        return UrlCheckResult.Allowed(uri);
    }

    public AddressCheckResult CheckAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var range = Classify(address);
        var allowed = range == AddressRange.Public
            || (range == AddressRange.Loopback && settings.AllowLoopback && IsPlainLoopback(address));
        if (allowed && IsInDeniedNetwork(address))
        {
            return new AddressCheckResult { Address = address, Range = range, Reason = DeniedReason };
        }

        return new AddressCheckResult
        {
            Address = address,
            Range = range,
            Reason = allowed ? null : range switch
            {
                AddressRange.Loopback => LoopbackReason,
                AddressRange.Private or AddressRange.SharedAddressSpace or AddressRange.LinkLocal
                    or AddressRange.UniqueLocal or AddressRange.SiteLocal => PrivateReason,
                _ => NotPublicReason,
            },
        };
    }

    /// <summary>The operator's own networks (Portal:Import:DeniedNetworks), public or not; an IPv4-mapped address counts as its IPv4 one.</summary>
    private bool IsInDeniedNetwork(IPAddress address)
    {
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return deniedNetworks.Any(network => network.Contains(address) || network.Contains(v4));
    }

    /// <summary>
    /// The range an address falls in. Addresses that carry an IPv4 address inside an IPv6 one (mapped, compatible,
    /// NAT64, 6to4) are judged by the IPv4 address, because that is where the packets end up.
    /// </summary>
    public static AddressRange Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(b);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return AddressRange.Reserved;
        }

        if (b.AsSpan(0, 15).IndexOfAnyExcept((byte)0) < 0)
        {
            return b[15] switch
            {
                0 => AddressRange.Unspecified,
                1 => AddressRange.Loopback,
                _ => ClassifyV4(b.AsSpan(12)),
            };
        }

        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xff && b[11] == 0xff)
        {
            return ClassifyV4(b.AsSpan(12)); // ::ffff:a.b.c.d
        }

        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b.AsSpan(12)); // ::a.b.c.d, deprecated but some stacks still route it as IPv4
        }

        if (b.AsSpan(0, 12).SequenceEqual(Nat64Prefix))
        {
            return ClassifyV4(b.AsSpan(12)); // 64:ff9b::a.b.c.d reaches a.b.c.d through the NAT64 gateway
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b.AsSpan(2, 4)); // 6to4 2002:AABB:CCDD:: is tunnelled to AA.BB.CC.DD
        }

        if (b[0] == 0x20 && b[1] == 0x01)
        {
            if (b[2] == 0x00 && b[3] == 0x00)
            {
                return AddressRange.Teredo; // the real destination is hidden (obfuscated) in the address
            }

            if (b[2] == 0x0d && b[3] == 0xb8)
            {
                return AddressRange.Documentation;
            }

            if (b[2] < 0x02)
            {
                return AddressRange.Reserved; // 2001::/23, IETF protocol assignments
            }
        }

        if (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10)
        {
            return AddressRange.Documentation; // 3fff::/20
        }

        return b[0] switch
        {
            0xfc or 0xfd => AddressRange.UniqueLocal,
            0xfe when (b[1] & 0xc0) == 0x80 => AddressRange.LinkLocal,
            0xfe when (b[1] & 0xc0) == 0xc0 => AddressRange.SiteLocal,
            0xff => AddressRange.Multicast,
            // Only 2000::/3 is handed out as global unicast; everything else is reserved or special-purpose.
            _ when (b[0] & 0xe0) != 0x20 => AddressRange.Reserved,
            _ => AddressRange.Public,
        };
    }

    private static readonly byte[] Nat64Prefix = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    private static AddressRange ClassifyV4(ReadOnlySpan<byte> v4) => (v4[0], v4[1], v4[2], v4[3]) switch
    {
        (168, 63, 129, 16) => AddressRange.PlatformService,
        (0, _, _, _) => AddressRange.Unspecified,
        (10, _, _, _) => AddressRange.Private,
        (100, >= 64 and <= 127, _, _) => AddressRange.SharedAddressSpace,
        (127, _, _, _) => AddressRange.Loopback,
        (169, 254, _, _) => AddressRange.LinkLocal, // the cloud metadata service, 169.254.169.254
        (172, >= 16 and <= 31, _, _) => AddressRange.Private,
        (192, 0, 0, _) => AddressRange.Reserved,
        (192, 0, 2, _) => AddressRange.Documentation,
        (192, 88, 99, _) => AddressRange.Reserved,
        (192, 168, _, _) => AddressRange.Private,
        (198, 18 or 19, _, _) => AddressRange.Benchmarking,
        (198, 51, 100, _) => AddressRange.Documentation,
        (203, 0, 113, _) => AddressRange.Documentation,
        (>= 224 and <= 239, _, _, _) => AddressRange.Multicast,
        (255, 255, 255, 255) => AddressRange.Broadcast,
        (>= 240, _, _, _) => AddressRange.Reserved,
        _ => AddressRange.Public,
    };

    // AllowLoopback opens exactly 127.0.0.0/8 and ::1; a loopback address wrapped in IPv6 stays refused.
    private static bool IsPlainLoopback(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? address.GetAddressBytes()[0] == 127 : address.Equals(IPAddress.IPv6Loopback);

    private UrlCheckResult? CheckHost(string rawHost, Uri uri)
    {
        if (uri.HostNameType == UriHostNameType.IPv6)
        {
            var literal = uri.IdnHost;
            var zone = literal.IndexOf('%');
            return IPAddress.TryParse(zone < 0 ? literal : literal[..zone], out var v6)
                ? FromAddress(CheckAddress(v6))
                : UrlCheckResult.Refused(UrlRefusal.Malformed, "That is not a valid URL.");
        }

        // System.Uri rewrites 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 to 127.0.0.1, and IDN mapping turns
        // full-width digits into ASCII ones, so the host as typed is judged as well as the one Uri ends up with.
        var host = uri.IdnHost.ToLowerInvariant();
        if (LooksNumeric(rawHost) || LooksNumeric(host))
        {
            return IsCanonicalIPv4(rawHost)
                ? FromAddress(CheckAddress(IPAddress.Parse(rawHost)))
                : UrlCheckResult.Refused(
                    UrlRefusal.NonCanonicalAddress,
                    "IP addresses written in decimal, hex or octal are not accepted; write them as four numbers separated by dots.");
        }

        if (!IsDnsName(host))
        {
            return UrlCheckResult.Refused(UrlRefusal.Malformed, "The host name contains characters that are not allowed.");
        }

        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return settings.AllowLoopback ? null : UrlCheckResult.Refused(UrlRefusal.LocalName, LoopbackReason);
        }

        // A name without a dot is completed from the server's DNS search list, i.e. it names an internal host.
        if (!name.Contains('.') || PrivateSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)))
        {
            return UrlCheckResult.Refused(
                UrlRefusal.LocalName, "That host name only works inside a private network; use the file's public address.");
        }

        return null;
    }

    private static UrlCheckResult? FromAddress(AddressCheckResult address) =>
        address.IsAllowed ? null : UrlCheckResult.Refused(UrlRefusal.ForbiddenAddress, address.Reason, address.Range);

    private string PortList()
    {
        var ports = settings.AllowedPorts.Distinct().Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return ports.Count switch
        {
            0 => "no port (imports are switched off)",
            1 => ports[0],
            _ => string.Join(", ", ports[..^1]) + " or " + ports[^1],
        };
    }

    /// <summary>Length of the "scheme" in "scheme:rest", or -1 when the text does not start with a scheme.</summary>
    internal static int SchemeLength(string text)
    {
        if (text.Length == 0 || !char.IsAsciiLetter(text[0]))
        {
            return -1;
        }

        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ':')
            {
                return i;
            }

            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return -1;
            }
        }

        return -1;
    }

    private static string RawAuthority(string text, int start)
    {
        var end = text.IndexOfAny(['/', '?', '#', '\\'], start);
        return end < 0 ? text[start..] : text[start..end];
    }

    private static string RawHost(string authority)
    {
        var host = authority[(authority.LastIndexOf('@') + 1)..];
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            return close < 0 ? host : host[..(close + 1)];
        }

        var colon = host.LastIndexOf(':');
        return (colon < 0 ? host : host[..colon]).ToLowerInvariant();
    }

    /// <summary>
    /// True when the last label is a number (decimal, or 0x hex), which is when browsers and inet_aton read the
    /// whole host as an IPv4 address.
    /// </summary>
    private static bool LooksNumeric(string host)
    {
        var trimmed = host.EndsWith('.') ? host[..^1] : host;
        var last = trimmed[(trimmed.LastIndexOf('.') + 1)..];
        if (last.Length == 0)
        {
            return false;
        }

        return last.All(char.IsAsciiDigit)
            || (last.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && last[2..].All(char.IsAsciiHexDigit));
    }

    /// <summary>Exactly four decimal numbers 0–255 without leading zeros and without a trailing dot.</summary>
    private static bool IsCanonicalIPv4(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(part =>
            part.Length is >= 1 and <= 3
            && part.All(char.IsAsciiDigit)
            && (part.Length == 1 || part[0] != '0')
            && int.Parse(part, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsDnsName(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        return name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is >= 1 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }
}
