using Portal.Images;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ExpectedChecksumTests
{
    [Theory]
    [InlineData(32, ChecksumAlgorithm.Md5, "MD5")]
    [InlineData(40, ChecksumAlgorithm.Sha1, "SHA-1")]
    [InlineData(64, ChecksumAlgorithm.Sha256, "SHA-256")]
    [InlineData(128, ChecksumAlgorithm.Sha512, "SHA-512")]
    public void BareDigestIsToldByItsLength(int length, ChecksumAlgorithm algorithm, string name)
    {
        var hex = new string('A', length);

        var parsed = ExpectedChecksum.Parse($"  {hex} ", out var error);

        Assert.Null(error);
        Assert.Equal(new ExpectedChecksum(algorithm, new string('a', length)), parsed);
        Assert.Equal(name, parsed!.AlgorithmName);
    }

    [Theory]
    [InlineData("md5:", 32, ChecksumAlgorithm.Md5)]
    [InlineData("SHA1:", 40, ChecksumAlgorithm.Sha1)]
    [InlineData("sha256:", 64, ChecksumAlgorithm.Sha256)]
    [InlineData("sha-512: ", 128, ChecksumAlgorithm.Sha512)]
    public void PrefixNamesTheAlgorithm(string prefix, int length, ChecksumAlgorithm algorithm)
    {
        var parsed = ExpectedChecksum.Parse(prefix + new string('0', length), out var error);

        Assert.Null(error);
        Assert.Equal(algorithm, parsed!.Algorithm);
        Assert.Equal(parsed, ExpectedChecksum.FromStored(parsed.ToString()));
    }

    [Theory]
    [InlineData("sha256:abcd", "A SHA-256 checksum has 64 hex digits; this one has 4.")]
    [InlineData("md5:0123456789abcdef0123456789abcdef0", "A MD5 checksum has 32 hex digits; this one has 33.")]
    [InlineData("abc123", "A checksum has 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512) hex digits; this one has 6.")]
    [InlineData("0123456789abcdef0123456789abcdeg", "A checksum is written in hexadecimal digits (0-9, a-f).")]
    [InlineData("sha256:", "A checksum is written in hexadecimal digits (0-9, a-f).")]
    [InlineData("crc32:12345678", "“crc32” is not a checksum algorithm the portal knows: use md5, sha1, sha256 or sha512.")]
    public void MalformedDigestIsRefusedWithTheReason(string text, string reason)
    {
        Assert.Null(ExpectedChecksum.Parse(text, out var error));
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void NothingTypedIsNoChecksumAndNoError(string? text)
    {
        Assert.Null(ExpectedChecksum.Parse(text, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void MismatchSaysBothDigestsAndTheAlgorithm()
    {
        var expected = new ExpectedChecksum(ChecksumAlgorithm.Sha256, new string('1', 64));

        Assert.Equal($"The data's SHA-256 is {new string('2', 64)}, not the expected {new string('1', 64)}.", expected.MismatchReason(new string('2', 64)));
        Assert.True(expected.Matches(new string('1', 64)));
    }
}
