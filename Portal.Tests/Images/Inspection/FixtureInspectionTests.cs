using Portal.Images;
using Portal.Images.Inspection;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Inspection;

[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(ImageFixtureCollection.Name)]
public sealed class FixtureInspectionTests(ImageFixtures fixtures)
{
    public static TheoryData<string> SafeFixtures => [.. ImageFixtures.Safe.Keys];

    public static TheoryData<string, int> SafeFixturesInChunks()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in ImageFixtures.Safe.Keys)
        {
            foreach (var chunk in new[] { 1, 7, 4096, 1024 * 1024 })
            {
                data.Add(name, chunk);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SafeFixtures))]
    public void DetectsTheFormatAndVirtualSizeThatQemuImgReports(string name)
    {
        var qemu = QemuImg.Info(fixtures.PathOf(name));
        var expected = ImageFixtures.Safe[name];

        var result = Inspecting.Whole(fixtures.Bytes(name));

        Assert.Equal(expected, result.Format);
        Assert.Equal(qemu.Format, Inspecting.QemuName(result.Format));
        Assert.Equal(qemu.VirtualSize, result.VirtualSize);
        Assert.Null(result.UnsafeReason);
    }

    [Theory]
    [MemberData(nameof(SafeFixturesInChunks))]
    public void GivesTheSameVerdictWhateverTheChunkSize(string name, int chunkSize)
    {
        var bytes = fixtures.Bytes(name);

        Assert.Equal(Inspecting.Whole(bytes), Inspecting.InChunks(bytes, chunkSize));
    }

    [Theory]
    [MemberData(nameof(SafeFixtures))]
    public void SafeImageIsAcceptedUnderItsOwnFormatWithItsVirtualSize(string name)
    {
        var result = Inspecting.Whole(fixtures.Bytes(name));
        var declared = result.Format.ToDiskFormat();

        var verdict = declared is DiskFormat format ? FormatDecision.Decide(format, result) : null;

        if (verdict is null)
        {
            // No disk format names a LUKS volume, so every declaration is refused.
            Assert.All(Enum.GetValues<DiskFormat>(), format => Assert.False(FormatDecision.Decide(format, result).Accepted));
            return;
        }

        Assert.True(verdict.Accepted, verdict.RefusalReason);
        Assert.Equal(result.VirtualSize, verdict.VirtualSize);
    }

    [Theory]
    [MemberData(nameof(SafeFixtures))]
    public void FirstMebibyteGivesTheSameFormatAsTheWholeStream(string name)
    {
        var bytes = fixtures.Bytes(name);
        var whole = Inspecting.Whole(bytes);

        var prefix = ImageFormatInspector.Inspect(bytes.AsSpan(0, Math.Min(bytes.Length, 1024 * 1024)), bytes.Length);

        Assert.Equal(whole.Format, prefix.Format);
        Assert.Null(prefix.UnsafeReason);
        if (name == "disk.vhdx")
        {
            // qemu puts the VHDX metadata 3 MiB in, past the prefix.
            Assert.Null(prefix.VirtualSize);
        }
        else
        {
            Assert.Equal(whole.VirtualSize, prefix.VirtualSize);
        }
    }

    [Theory]
    [InlineData("v2.qcow2", "compat 0.10")]
    [InlineData("v3.qcow2", "compat 1.1")]
    [InlineData("sparse.vmdk", "monolithicSparse")]
    [InlineData("stream.vmdk", "streamOptimized")]
    [InlineData("dynamic.vhd", "dynamic")]
    [InlineData("mbr.raw", "MBR partition table")]
    [InlineData("gpt.raw", "GPT partition table")]
    [InlineData("content.raw", null)]
    [InlineData("disk.iso", "ISO 9660")]
    public void NamesTheVariantOfTheFormat(string name, string? variant)
    {
        Assert.Equal(variant, Inspecting.Whole(fixtures.Bytes(name)).Variant);
    }

    [Fact]
    public void VirtualSizesAbove4GiBAreReadWhole()
    {
        Assert.Equal(6L << 30, Inspecting.Whole(fixtures.Bytes("v3.qcow2")).VirtualSize);
        // qemu rounds a VHD up to whole CHS cylinders: 5 GiB becomes a little more.
        Assert.InRange(Inspecting.Whole(fixtures.Bytes("dynamic.vhd")).VirtualSize ?? 0, 5L << 30, (5L << 30) + (1 << 20));
    }

    [Fact]
    public void CapturesNoMoreThanTheBoundWhileStreaming()
    {
        foreach (var name in ImageFixtures.Safe.Keys)
        {
            var bytes = fixtures.Bytes(name);
            var inspector = new ImageFormatInspector();
            var most = 0;
            for (var offset = 0; offset < bytes.Length; offset += 65536)
            {
                inspector.Feed(bytes.AsSpan(offset, Math.Min(65536, bytes.Length - offset)));
                most = Math.Max(most, inspector.CapturedBytes);
            }

            inspector.Complete();
            Assert.InRange(most, 0, ImageFormatInspector.MaxCapturedBytes);
            Assert.Equal(bytes.Length, inspector.BytesSeen);
        }
    }
}
