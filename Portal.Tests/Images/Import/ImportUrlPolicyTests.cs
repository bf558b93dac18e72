using System.Net;
using Microsoft.Extensions.Options;
using Portal.Images.Import;

namespace Portal.Tests.Images.Import;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImportUrlPolicyTests
{
    private static readonly ImportUrlPolicy Policy = PolicyWith(_ => { });

    public static TheoryData<string, UrlRefusal, AddressRange?> RefusedUrls => new()
    {
        { "ftp://example.com/image.img", UrlRefusal.Scheme, null },
        { "file:///etc/passwd", UrlRefusal.Scheme, null },
        { "gopher://example.com:70/_GET", UrlRefusal.Scheme, null },
        { "data:application/octet-stream;base64,AAAA", UrlRefusal.Scheme, null },
        { "javascript:alert(1)", UrlRefusal.Scheme, null },
        { "http://127.0.0.1/", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://127.8.9.10/x.img", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://localhost/", UrlRefusal.LocalName, null },
        { "http://LOCALHOST./", UrlRefusal.LocalName, null },
        { "http://images.localhost/", UrlRefusal.LocalName, null },
        { "http://ｌｏｃａｌｈｏｓｔ/", UrlRefusal.LocalName, null },
        { "http://2130706433/", UrlRefusal.NonCanonicalAddress, null },
        { "http://0x7f000001/", UrlRefusal.NonCanonicalAddress, null },
        { "http://0177.0.0.1/", UrlRefusal.NonCanonicalAddress, null },
        { "http://127.1/", UrlRefusal.NonCanonicalAddress, null },
        { "http://127.0.0.1./", UrlRefusal.NonCanonicalAddress, null },
        { "http://0/", UrlRefusal.NonCanonicalAddress, null },
        { "http://0x7f.0.0.1/", UrlRefusal.NonCanonicalAddress, null },
        { "http://１２７.０.０.１/", UrlRefusal.NonCanonicalAddress, null },
        { "http://[::1]/", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://[::ffff:127.0.0.1]/", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://[::ffff:7f00:1]/", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://[::127.0.0.1]/", UrlRefusal.ForbiddenAddress, AddressRange.Loopback },
        { "http://10.0.0.5/", UrlRefusal.ForbiddenAddress, AddressRange.Private },
        { "http://172.16.3.4/", UrlRefusal.ForbiddenAddress, AddressRange.Private },
        { "http://192.168.1.1/", UrlRefusal.ForbiddenAddress, AddressRange.Private },
        { "http://169.254.169.254/latest/meta-data/", UrlRefusal.ForbiddenAddress, AddressRange.LinkLocal },
        { "http://[::ffff:169.254.169.254]/latest/meta-data/", UrlRefusal.ForbiddenAddress, AddressRange.LinkLocal },
        { "http://[fe80::1]/", UrlRefusal.ForbiddenAddress, AddressRange.LinkLocal },
        { "http://[fe80::1%25eth0]/", UrlRefusal.ForbiddenAddress, AddressRange.LinkLocal },
        { "http://[fc00::1]/", UrlRefusal.ForbiddenAddress, AddressRange.UniqueLocal },
        { "http://[fd12:3456::1]/", UrlRefusal.ForbiddenAddress, AddressRange.UniqueLocal },
        { "http://224.0.0.1/", UrlRefusal.ForbiddenAddress, AddressRange.Multicast },
        { "http://0.0.0.0/", UrlRefusal.ForbiddenAddress, AddressRange.Unspecified },
        { "http://[::]/", UrlRefusal.ForbiddenAddress, AddressRange.Unspecified },
        { "http://100.64.0.1/", UrlRefusal.ForbiddenAddress, AddressRange.SharedAddressSpace },
        { "http://255.255.255.255/", UrlRefusal.ForbiddenAddress, AddressRange.Broadcast },
        { "http://203.0.113.10/x.img", UrlRefusal.ForbiddenAddress, AddressRange.Documentation },
        { "http://[64:ff9b::a00:1]/", UrlRefusal.ForbiddenAddress, AddressRange.Private },
        { "http://[2002:a00:1::]/", UrlRefusal.ForbiddenAddress, AddressRange.Private },
        { "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", UrlRefusal.ForbiddenAddress, AddressRange.Teredo },
        { "http://example.com:22/", UrlRefusal.Port, null },
        { "https://example.com:8443/x.img", UrlRefusal.Port, null },
        { "http://user:pass@example.com/", UrlRefusal.UserInfo, null },
        { "http://@example.com/", UrlRefusal.UserInfo, null },
        { "http://" + new string('a', 50) + ".example.com/" + new string('x', 3000), UrlRefusal.TooLong, null },
        { "images/noble.img", UrlRefusal.NotAbsolute, null },
        { "/etc/passwd", UrlRefusal.NotAbsolute, null },
        { "//example.com/x.img", UrlRefusal.NotAbsolute, null },
        { "", UrlRefusal.Empty, null },
        { "   ", UrlRefusal.Empty, null },
        { "http://exa mple.com/x.img", UrlRefusal.Malformed, null },
        { "http://example.com\t/x.img", UrlRefusal.Malformed, null },
        { "http:example.com/x.img", UrlRefusal.Malformed, null },
        { "http://metadata/computeMetadata/v1/", UrlRefusal.LocalName, null },
        { "http://metadata.google.internal/computeMetadata/v1/", UrlRefusal.LocalName, null },
        { "http://printer.local/", UrlRefusal.LocalName, null },
    };

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public void Refuses_urls_that_could_reach_anything_but_a_public_web_server(string url, UrlRefusal refusal, AddressRange? range)
    {
        var result = Policy.CheckUrl(url);

        Assert.False(result.IsAllowed);
        Assert.Equal(refusal, result.Refusal);
        Assert.Equal(range, result.Range);
        Assert.Null(result.Url);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Fact]
    public void Refuses_a_missing_url()
    {
        Assert.Equal(UrlRefusal.Empty, Policy.CheckUrl(null).Refusal);
    }

    [Theory]
    [InlineData("https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img")]
    [InlineData("http://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2")]
    [InlineData("HTTPS://Example.COM/Image.qcow2?version=2#top")]
    [InlineData("https://example.com./x.img")]
    [InlineData("http://8.8.8.8/x.img")]
    [InlineData("http://172.32.0.1/x.img")]
    [InlineData("https://[2606:4700:4700::1111]/x.img")]
    [InlineData("http://[2002:808:808::1]/x.img")]
    [InlineData("http://example.com:80/x.img")]
    [InlineData("https://münchen.example/x.img")]
    [InlineData("  https://example.com/x.img  ")]
    public void Allows_public_http_and_https_urls(string url)
    {
        var result = Policy.CheckUrl(url);

        Assert.True(result.IsAllowed, result.Reason);
        Assert.Equal(UrlRefusal.None, result.Refusal);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void Returns_the_parsed_url_of_an_allowed_url()
    {
        var result = Policy.CheckUrl("https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img");

        Assert.True(result.IsAllowed);
        Assert.Equal("cloud-images.ubuntu.com", result.Url.Host);
        Assert.Equal(443, result.Url.Port);
    }

    [Fact]
    public void Explains_refusals_in_words_for_the_customer()
    {
        Assert.Equal("Only http and https URLs can be imported.", Policy.CheckUrl("ftp://example.com/x.img").Reason);
        Assert.Equal("Port 8080 is not allowed; use 80 or 443.", Policy.CheckUrl("http://example.com:8080/x.img").Reason);
        Assert.Equal("That address is on a private network and cannot be imported from.", Policy.CheckUrl("http://10.1.2.3/").Reason);
        Assert.StartsWith("IP addresses written in decimal, hex or octal are not accepted", Policy.CheckUrl("http://2130706433/").Reason);
    }

    [Fact]
    public void Counts_the_implicit_default_port_of_the_scheme()
    {
        var httpsOnly = PolicyWith(options => options.AllowedPorts = [443]);

        Assert.True(httpsOnly.CheckUrl("https://example.com/x.img").IsAllowed);
        var refused = httpsOnly.CheckUrl("http://example.com/x.img");
        Assert.Equal(UrlRefusal.Port, refused.Refusal);
        Assert.Equal("Port 80 is not allowed; use 443.", refused.Reason);
    }

    [Fact]
    public void Accepts_a_url_of_exactly_the_maximum_length()
    {
        const string prefix = "https://example.com/";
        var url = prefix + new string('x', ImportUrlPolicy.MaxUrlLength - prefix.Length);

        Assert.True(Policy.CheckUrl(url).IsAllowed);
        Assert.Equal(UrlRefusal.TooLong, Policy.CheckUrl(url + "x").Refusal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/x.img")]
    [InlineData("http://127.200.1.1/x.img")]
    [InlineData("http://[::1]/x.img")]
    [InlineData("http://localhost/x.img")]
    [InlineData("http://images.localhost/x.img")]
    public void Loopback_is_allowed_only_when_the_tests_switch_it_on(string url)
    {
        var testing = PolicyWith(options =>
        {
            options.AllowLoopback = true;
            options.AllowedPorts = [80, 8080];
        });

        Assert.True(testing.CheckUrl(url).IsAllowed);
        Assert.False(PolicyWith(options => options.AllowedPorts = [80, 8080]).CheckUrl(url).IsAllowed);
    }

    [Theory]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::127.0.0.1]/")]
    [InlineData("http://[64:ff9b::7f00:1]/")]
    [InlineData("http://[2002:7f00:1::]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://127.1/")]
    [InlineData("http://[fe80::1]/")]
    public void Allowing_loopback_opens_nothing_else(string url)
    {
        var testing = PolicyWith(options => options.AllowLoopback = true);

        Assert.False(testing.CheckUrl(url).IsAllowed);
    }

    public static TheoryData<string, AddressRange> Addresses => new()
    {
        { "8.8.8.8", AddressRange.Public },
        { "1.1.1.1", AddressRange.Public },
        { "0.0.0.0", AddressRange.Unspecified },
        { "0.255.255.255", AddressRange.Unspecified },
        { "9.255.255.255", AddressRange.Public },
        { "10.0.0.0", AddressRange.Private },
        { "10.255.255.255", AddressRange.Private },
        { "11.0.0.0", AddressRange.Public },
        { "100.63.255.255", AddressRange.Public },
        { "100.64.0.0", AddressRange.SharedAddressSpace },
        { "100.127.255.255", AddressRange.SharedAddressSpace },
        { "100.128.0.0", AddressRange.Public },
        { "127.0.0.1", AddressRange.Loopback },
        { "127.255.255.254", AddressRange.Loopback },
        { "169.254.169.254", AddressRange.LinkLocal },
        { "169.255.0.1", AddressRange.Public },
        { "172.15.255.255", AddressRange.Public },
        { "172.16.0.0", AddressRange.Private },
        { "172.31.255.255", AddressRange.Private },
        { "172.32.0.0", AddressRange.Public },
        { "192.0.0.8", AddressRange.Reserved },
        { "192.0.2.1", AddressRange.Documentation },
        { "192.88.99.1", AddressRange.Reserved },
        { "192.167.255.255", AddressRange.Public },
        { "192.168.0.1", AddressRange.Private },
        { "192.169.0.0", AddressRange.Public },
        { "198.17.255.255", AddressRange.Public },
        { "198.18.0.0", AddressRange.Benchmarking },
        { "198.19.255.255", AddressRange.Benchmarking },
        { "198.20.0.0", AddressRange.Public },
        { "198.51.100.7", AddressRange.Documentation },
        { "203.0.113.10", AddressRange.Documentation },
        { "223.255.255.255", AddressRange.Public },
        { "224.0.0.1", AddressRange.Multicast },
        { "239.255.255.255", AddressRange.Multicast },
        { "240.0.0.1", AddressRange.Reserved },
        { "255.255.255.254", AddressRange.Reserved },
        { "255.255.255.255", AddressRange.Broadcast },
        { "::", AddressRange.Unspecified },
        { "::1", AddressRange.Loopback },
        { "::ffff:127.0.0.1", AddressRange.Loopback },
        { "::ffff:10.1.2.3", AddressRange.Private },
        { "::ffff:8.8.8.8", AddressRange.Public },
        { "::10.1.2.3", AddressRange.Private },
        { "::ffff:0:10.1.2.3", AddressRange.Reserved },
        { "64:ff9b::169.254.169.254", AddressRange.LinkLocal },
        { "64:ff9b::8.8.8.8", AddressRange.Public },
        { "64:ff9b:1::a00:1", AddressRange.Reserved },
        { "2002:c0a8:101::1", AddressRange.Private },
        { "2002:0808:0808::1", AddressRange.Public },
        { "2001::1", AddressRange.Teredo },
        { "2001:1::1", AddressRange.Reserved },
        { "2001:db8::1", AddressRange.Documentation },
        { "3fff::1", AddressRange.Documentation },
        { "2001:4860:4860::8888", AddressRange.Public },
        { "2606:4700:4700::1111", AddressRange.Public },
        { "100::1", AddressRange.Reserved },
        { "fc00::1", AddressRange.UniqueLocal },
        { "fdff:ffff::1", AddressRange.UniqueLocal },
        { "fe80::1", AddressRange.LinkLocal },
        { "febf::1", AddressRange.LinkLocal },
        { "fec0::1", AddressRange.SiteLocal },
        { "ff02::1", AddressRange.Multicast },
        { "4000::1", AddressRange.Reserved },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Classifies_addresses_by_the_network_they_belong_to(string address, AddressRange range)
    {
        var result = Policy.CheckAddress(IPAddress.Parse(address));

        Assert.Equal(range, result.Range);
        Assert.Equal(range == AddressRange.Public, result.IsAllowed);
    }

    [Fact]
    public void Allows_loopback_addresses_only_in_their_plain_form_when_loopback_is_allowed()
    {
        var testing = PolicyWith(options => options.AllowLoopback = true);

        Assert.True(testing.CheckAddress(IPAddress.Parse("127.0.0.1")).IsAllowed);
        Assert.True(testing.CheckAddress(IPAddress.Parse("127.3.2.1")).IsAllowed);
        Assert.True(testing.CheckAddress(IPAddress.IPv6Loopback).IsAllowed);
        Assert.False(testing.CheckAddress(IPAddress.Parse("::ffff:127.0.0.1")).IsAllowed);
        Assert.False(testing.CheckAddress(IPAddress.Parse("64:ff9b::7f00:1")).IsAllowed);
        Assert.False(testing.CheckAddress(IPAddress.Parse("10.0.0.1")).IsAllowed);
    }

    [Fact]
    public void Refuses_the_azure_platform_endpoint_like_the_metadata_service()
    {
        foreach (var address in new[] { "168.63.129.16", "::ffff:168.63.129.16", "64:ff9b::a83f:8110" })
        {
            var result = Policy.CheckAddress(IPAddress.Parse(address));

            Assert.Equal(AddressRange.PlatformService, result.Range);
            Assert.False(result.IsAllowed);
        }

        Assert.True(Policy.CheckAddress(IPAddress.Parse("168.63.129.17")).IsAllowed);
    }

    [Fact]
    public void Refuses_addresses_in_the_configured_denied_networks()
    {
        var policy = PolicyWith(options => options.DeniedNetworks = ["8.8.4.0/24", "2a01:4f8::/32"]);

        Assert.False(policy.CheckAddress(IPAddress.Parse("8.8.4.4")).IsAllowed);
        Assert.False(policy.CheckAddress(IPAddress.Parse("::ffff:8.8.4.4")).IsAllowed);
        Assert.False(policy.CheckAddress(IPAddress.Parse("2a01:4f8:1:2::3")).IsAllowed);
        Assert.Equal("That address is on a network the portal does not import from.", policy.CheckAddress(IPAddress.Parse("8.8.4.4")).Reason);
        Assert.True(policy.CheckAddress(IPAddress.Parse("8.8.8.8")).IsAllowed);
        Assert.True(Policy.CheckAddress(IPAddress.Parse("8.8.4.4")).IsAllowed);
    }

    private static ImportUrlPolicy PolicyWith(Action<ImportOptions> configure)
    {
        var options = new ImportOptions();
        configure(options);
        return new ImportUrlPolicy(Options.Create(options));
    }
}
