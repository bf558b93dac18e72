using System.IO.Compression;
using System.Security.Cryptography;
using Portal.Images.Compression;

namespace Portal.Tests.Images.Compression;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class SourceCompressionsTests
{
    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, SourceCompression.Gzip)]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, SourceCompression.Xz)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x24 }, SourceCompression.Zstd)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9', 0x31 }, SourceCompression.Bzip2)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'0' }, SourceCompression.None)]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A }, SourceCompression.None)]
    [InlineData(new byte[] { (byte)'Q', (byte)'F', (byte)'I', 0xFB }, SourceCompression.None)]
    [InlineData(new byte[] { 0x1F }, SourceCompression.None)]
    [InlineData(new byte[0], SourceCompression.None)]
    public void MagicBytesTellTheCompression(byte[] head, SourceCompression expected) =>
        Assert.Equal(expected, SourceCompressions.FromMagic(head));

    [Theory]
    [InlineData("debian-12.qcow2.xz", SourceCompression.Xz)]
    [InlineData("disk.raw.GZ", SourceCompression.Gzip)]
    [InlineData("disk.img.zst", SourceCompression.Zstd)]
    [InlineData("disk.img.bz2", SourceCompression.Bzip2)]
    [InlineData("https://cloud.example.com/images/disk.qcow2.xz?sig=abc", SourceCompression.Xz)]
    [InlineData("https://cloud.example.com/images/disk.qcow2?name=x.gz", SourceCompression.None)]
    [InlineData("disk.qcow2", SourceCompression.None)]
    [InlineData(null, SourceCompression.None)]
    public void NameTellsTheCompression(string? name, SourceCompression expected) =>
        Assert.Equal(expected, SourceCompressions.FromName(name));

    [Fact]
    public void SuffixComesOffTheName()
    {
        Assert.Equal("debian.qcow2", SourceCompressions.WithoutSuffix("debian.qcow2.xz"));
        Assert.Equal("debian.qcow2", SourceCompressions.WithoutSuffix("debian.qcow2"));
    }

    [Fact]
    public async Task HeadOfACompressedFileDecompressesAsFarAsItGoes()
    {
        var data = RandomNumberGenerator.GetBytes(256 << 10);
        var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(data);
        }

        var head = compressed.ToArray()[..(100 << 10)];

        var decompressed = await CompressedHead.DecompressAsync(head, SourceCompression.Gzip, 64 << 10);

        Assert.Equal(data[..(64 << 10)], decompressed);
    }
}
