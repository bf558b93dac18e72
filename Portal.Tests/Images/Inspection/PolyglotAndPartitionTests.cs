using System.Buffers.Binary;

using Portal.Images;
using Portal.Images.Inspection;

namespace Portal.Tests.Images.Inspection;

[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(ImageFixtureCollection.Name)]
public sealed class PolyglotAndPartitionTests(ImageFixtures fixtures)
{
    [Fact]
    public void Qcow2CarryingAnIsoVolumeDescriptorIsRefusedAsMatchingTwoFormats()
    {
        var bytes = fixtures.Bytes("v3.qcow2");
        fixtures.Bytes("disk.iso").AsSpan(32 * 1024, 4096).CopyTo(bytes.AsSpan(32 * 1024));

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Equal(
            "The data reads as a qcow2 image and an ISO image at once; images that match more than one format are refused.",
            result.UnsafeReason);
        Assert.False(FormatDecision.Decide(DiskFormat.Iso, result).Accepted);
        Assert.False(FormatDecision.Decide(DiskFormat.Qcow2, result).Accepted);
    }

    [Fact]
    public void Qcow2WithASanePartitionTableInItsFirstSectorIsRefusedAsMatchingTwoFormats()
    {
        var bytes = fixtures.Bytes("v2.qcow2");
        fixtures.Bytes("mbr.raw").AsSpan(446, 66).CopyTo(bytes.AsSpan(446));

        Assert.Contains("more than one format", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void HybridIsoWithAnMbrIsAnIso()
    {
        var bytes = fixtures.Bytes("disk.iso");
        var plain = Inspecting.Whole(bytes);
        fixtures.Bytes("mbr.raw").AsSpan(446, 66).CopyTo(bytes.AsSpan(446));

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Iso, result.Format);
        Assert.Null(result.UnsafeReason);
        Assert.Equal(plain.VirtualSize, result.VirtualSize);
        Assert.Equal("ISO 9660, hybrid boot record", result.Variant);
        Assert.True(FormatDecision.Decide(DiskFormat.Iso, result).Accepted);
    }

    [Fact]
    public void HybridIsoWithAProtectiveGptIsAnIso()
    {
        var bytes = fixtures.Bytes("disk.iso");
        fixtures.Bytes("gpt.raw").AsSpan(446, 1024 + 128 - 446).CopyTo(bytes.AsSpan(446));

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Iso, result.Format);
        Assert.Null(result.UnsafeReason);
    }

    [Fact]
    public void UdfOnlyDiscIsAnIsoSizedByItsLength()
    {
        var bytes = new byte[48 * 1024];
        "\0BEA01\u0001"u8.CopyTo(bytes.AsSpan(16 * 2048));
        "\0NSR02\u0001"u8.CopyTo(bytes.AsSpan(17 * 2048));
        "\0TEA01\u0001"u8.CopyTo(bytes.AsSpan(18 * 2048));

        var result = Inspecting.Whole(bytes);

        Assert.Equal(new InspectionResult(DetectedFormat.Iso, bytes.Length, null) { Variant = "UDF" }, result);
    }

    [Fact]
    public void BootSectorWithInsanePartitionEntriesIsPlainRaw()
    {
        var bytes = fixtures.Bytes("mbr.raw");
        bytes[446] = 0x42;

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Raw, result.Format);
        Assert.Null(result.Variant);
        Assert.Null(result.UnsafeReason);
    }

    [Fact]
    public void GptWithExtraMbrPartitionsIsPlainRaw()
    {
        var bytes = fixtures.Bytes("gpt.raw");
        bytes[446 + 16 + 4] = 0x83;

        Assert.Null(Inspecting.Whole(bytes).Variant);
    }

    [Fact]
    public void FatBootSectorIsNotTakenForAPartitionTable()
    {
        var bytes = fixtures.Bytes("mbr.raw");
        bytes[0x10] = 2;
        bytes[0x15] = 0xF8;

        Assert.Null(Inspecting.Whole(bytes).Variant);
    }

    [Fact]
    public void PlainTextIsRawData()
    {
        var bytes = "# notes\nversion=2.0 of the notes\n"u8.ToArray();

        Assert.Equal(new InspectionResult(DetectedFormat.Raw, bytes.Length, null), Inspecting.Whole(bytes));
    }

    [Fact]
    public void TotalLengthShorterThanThePrefixCutsThePrefix()
    {
        var bytes = fixtures.Bytes("v3.qcow2");

        var result = ImageFormatInspector.Inspect(bytes.AsSpan(0, 4096), 60);

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Contains("truncated", result.UnsafeReason);
    }

    [Fact]
    public void EmptyStreamIsRawOfSizeZero()
    {
        var inspector = new ImageFormatInspector();

        Assert.Equal(new InspectionResult(DetectedFormat.Raw, 0, null), inspector.Complete());
    }

    [Fact]
    public void RawVirtualSizeIsTheTotalLengthGivenWithAPrefix()
    {
        var bytes = fixtures.Bytes("content.raw");

        var result = ImageFormatInspector.Inspect(bytes.AsSpan(0, 1024 * 1024), 40L << 30);

        Assert.Equal(new InspectionResult(DetectedFormat.Raw, 40L << 30, null), result);
    }

    [Fact]
    public void PeekGivesTheVerdictSoFarAndTheInspectionGoesOn()
    {
        var bytes = fixtures.Bytes("backing.qcow2");
        var inspector = new ImageFormatInspector();

        inspector.Feed(bytes.AsSpan(0, 4096));
        var early = inspector.Peek();
        inspector.Feed(bytes.AsSpan(4096));

        Assert.Equal("The qcow2 image refers to a backing file.", early.UnsafeReason);
        Assert.Equal(early, inspector.Complete());
    }

    [Fact]
    public void FeedingAfterCompleteIsAnError()
    {
        var inspector = new ImageFormatInspector();
        inspector.Complete();

        Assert.Throws<InvalidOperationException>(() => inspector.Feed([1]));
    }

    [Fact]
    public void IsoWithAnUnusualBlockSizeFallsBackToTheFileLength()
    {
        var bytes = fixtures.Bytes("disk.iso");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((16 * 2048) + 128), 0);

        Assert.Equal(bytes.Length, Inspecting.Whole(bytes).VirtualSize);
    }
}
