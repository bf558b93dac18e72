using System.Buffers.Binary;
using System.Text;

using Portal.Images;
using Portal.Images.Inspection;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Inspection;

[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(ImageFixtureCollection.Name)]
public sealed class UnsafeImageTests(ImageFixtures fixtures)
{
    [Fact]
    public void Qcow2WithBackingFileIsUnsafe()
    {
        var result = Inspecting.Whole(fixtures.Bytes("backing.qcow2"));

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Equal("The qcow2 image refers to a backing file.", result.UnsafeReason);
        Assert.Equal(result.UnsafeReason, FormatDecision.Decide(DiskFormat.Qcow2, result).RefusalReason);
    }

    [Fact]
    public void Qcow2WithExternalDataFileIsUnsafe()
    {
        var result = Inspecting.Whole(fixtures.Bytes("datafile.qcow2"));

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Equal("The qcow2 image refers to an external data file.", result.UnsafeReason);
        Assert.False(FormatDecision.Decide(DiskFormat.Qcow2, result).Accepted);
    }

    [Fact]
    public void Qcow2WithExtendedL2EntriesIsUnsafeAsInGlance()
    {
        var result = Inspecting.Whole(fixtures.Bytes("extl2.qcow2"));

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Contains("extended L2", result.UnsafeReason);
    }

    [Theory]
    [InlineData(0x20UL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    public void Qcow2WithUnknownIncompatibleFeatureIsUnsafe(ulong feature)
    {
        var bytes = fixtures.Bytes("v3.qcow2");
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(72), feature);

        Assert.Equal(
            "The qcow2 image uses incompatible features that are not supported.",
            Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void Qcow2MarkedDirtyOrCorruptIsAcceptedAsInGlance()
    {
        var bytes = fixtures.Bytes("v3.qcow2");
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(72), 0x3);

        Assert.Null(Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void OldQcowVersion1IsUnsafe()
    {
        var bytes = fixtures.Bytes("v2.qcow2");
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 1);

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Contains("version 1", result.UnsafeReason);
    }

    [Fact]
    public void Qcow2DeclaredAsRawIsRefusedNamingBothFormats()
    {
        var verdict = FormatDecision.Decide(DiskFormat.Raw, Inspecting.Whole(fixtures.Bytes("compressed.qcow2")));

        Assert.False(verdict.Accepted);
        Assert.Equal("Declared raw, but the data is a qcow2 image.", verdict.RefusalReason);
    }

    [Theory]
    [InlineData("WithouFreSpacExt")]
    [InlineData("WithoutFreeSpace")]
    public void ParallelsDeclaredAsRawIsRefusedNamingBothFormats(string magic)
    {
        var bytes = fixtures.Bytes("disk.hds");
        Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);
        var path = fixtures.Write($"{magic}.hds", bytes);

        var result = Inspecting.Whole(bytes);

        // qemu probes both magics as Parallels: a hypervisor told nothing would follow its block table.
        Assert.Equal("parallels", QemuImg.Info(path).Format);
        Assert.Equal(DetectedFormat.Parallels, result.Format);
        Assert.Equal("Declared raw, but the data is a Parallels image.", FormatDecision.Decide(DiskFormat.Raw, result).RefusalReason);
        Assert.True(FormatDecision.Decide(DiskFormat.Ploop, result).Accepted);
    }

    [Fact]
    public void RawDataDeclaredAsQcow2IsRefusedNamingBothFormats()
    {
        var verdict = FormatDecision.Decide(DiskFormat.Qcow2, Inspecting.Whole(fixtures.Bytes("content.raw")));

        Assert.False(verdict.Accepted);
        Assert.Equal("Declared qcow2, but the data is a raw disk image.", verdict.RefusalReason);
    }

    [Fact]
    public void QedImageIsRefused()
    {
        var result = Inspecting.Whole(fixtures.Bytes("disk.qed"));

        Assert.Equal(DetectedFormat.Qed, result.Format);
        Assert.Equal("QED images are not supported.", result.UnsafeReason);
        Assert.All(Enum.GetValues<DiskFormat>(), format => Assert.False(FormatDecision.Decide(format, result).Accepted));
    }

    [Fact]
    public void VmdkDescriptorFileWithFlatExtentNamingAHostFileIsUnsafe()
    {
        var descriptor = $"""
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="monolithicFlat"

            # Extent description
            RW 6144 FLAT "{fixtures.PathOf("content.raw")}" 0

            ddb.adapterType = "ide"

            """;
        var path = fixtures.Write("flat-descriptor.vmdk", Encoding.ASCII.GetBytes(descriptor));

        var result = Inspecting.Whole(File.ReadAllBytes(path));

        // qemu really would open the host file named in the extent.
        Assert.Equal("vmdk", QemuImg.Info(path).Format);
        Assert.Equal(DetectedFormat.Vmdk, result.Format);
        Assert.Contains("VMDK descriptor that points to other files", result.UnsafeReason);
        Assert.False(FormatDecision.Decide(DiskFormat.Vmdk, result).Accepted);
        Assert.False(FormatDecision.Decide(DiskFormat.Raw, result).Accepted);
    }

    [Fact]
    public void TextThatQemuProbesAsVmdkIsADescriptorFileEvenWithoutTheHeaderComment()
    {
        var text = $"# extents follow\n \nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\nRW 6144 FLAT \"{fixtures.PathOf("content.raw")}\" 0\n";
        var path = fixtures.Write("bare-descriptor.vmdk", Encoding.ASCII.GetBytes(text));

        var result = Inspecting.Whole(File.ReadAllBytes(path));

        Assert.Equal("vmdk", QemuImg.Info(path).Format);
        Assert.Equal(DetectedFormat.Vmdk, result.Format);
        Assert.NotNull(result.UnsafeReason);
    }

    [Fact]
    public void SparseVmdkWhoseDescriptorNamesAHostFileIsUnsafe()
    {
        var bytes = ImageFixtures.WithVmdkDescriptor(fixtures.Bytes("sparse.vmdk"), text => text.Replace(
            "RW 2097152 SPARSE \"sparse.vmdk\"", "RW 2097152 FLAT \"/etc/hostname\" 0"));

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Vmdk, result.Format);
        Assert.Equal("The VMDK image refers to other files through its extent list.", result.UnsafeReason);
    }

    [Fact]
    public void SparseVmdkWithASecondExtentIsUnsafe()
    {
        var bytes = ImageFixtures.WithVmdkDescriptor(fixtures.Bytes("sparse.vmdk"), text => text.Replace(
            "RW 2097152 SPARSE \"sparse.vmdk\"\n", "RW 2097152 SPARSE \"sparse.vmdk\"\nRW 2097152 SPARSE \"neighbour.vmdk\"\n"));

        Assert.Equal("The VMDK image refers to other files through its extent list.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void SparseVmdkWithParentFileNameHintIsUnsafe()
    {
        var bytes = ImageFixtures.WithVmdkDescriptor(fixtures.Bytes("sparse.vmdk"), text => text.Replace(
            "createType=", $"parentFileNameHint=\"{fixtures.PathOf("content.raw")}\"\ncreateType="));
        var path = fixtures.Write("child.vmdk", bytes);

        var result = Inspecting.Whole(bytes);

        // qemu takes the hint as a backing file.
        Assert.Equal(fixtures.PathOf("content.raw"), QemuImg.Info(path).BackingFile);
        Assert.Equal("The VMDK image refers to a parent disk file.", result.UnsafeReason);
    }

    [Fact]
    public void SparseVmdkOfAMultiFileTypeIsUnsafe()
    {
        var bytes = ImageFixtures.WithVmdkDescriptor(fixtures.Bytes("sparse.vmdk"), text => text.Replace("monolithicSparse", "twoGbMaxExtentSparse"));

        Assert.Contains("only monolithicSparse and streamOptimized", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void SparseVmdkDescriptorIsReadToItsEndNotJustTheSectorsTheHeaderDeclares()
    {
        // qemu reads the descriptor up to its first NUL whatever size the header gives.
        var bytes = fixtures.Bytes("sparse.vmdk");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(36), 1);
        bytes = ImageFixtures.WithVmdkDescriptor(bytes, text => text.Replace("\n\n# The Disk Data Base", $"\n{new string('#', 600)}\nRW 8 FLAT \"/dev/sda\" 0\n\n# The Disk Data Base"));

        Assert.Equal("The VMDK image refers to other files through its extent list.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void SparseVmdkWithZeroCapacityIsUnsafe()
    {
        // qemu would read the embedded descriptor as a descriptor file, extents and all.
        var bytes = fixtures.Bytes("sparse.vmdk");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(12), 0);

        Assert.Equal("The VMDK image is invalid: its header declares a disk of zero size.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void StreamOptimizedVmdkWithFooterTakesItsSizeFromTheFooterLikeQemu()
    {
        var path = fixtures.Write("footer.vmdk", WithFooter(fixtures.Bytes("stream.vmdk")));
        var qemu = QemuImg.Info(path);

        var result = Inspecting.InChunks(File.ReadAllBytes(path), 4096);

        Assert.Equal("vmdk", qemu.Format);
        Assert.Null(result.UnsafeReason);
        Assert.Equal(qemu.VirtualSize, result.VirtualSize);
    }

    [Theory]
    [InlineData(-100, true)]
    [InlineData(100, false)]
    public void VmdkFooterIsLookedForInTheLastWholeSectorsLikeQemu(int ragged, bool valid)
    {
        // qemu rounds the length up to a sector and reads past the end as zeros: a cut-off end-of-stream marker
        // still reads as one, trailing bytes after the marker do not.
        var bytes = WithFooter(fixtures.Bytes("stream.vmdk"));
        bytes = ragged < 0 ? bytes[..^-ragged] : [.. bytes, .. Enumerable.Repeat((byte)1, ragged)];
        var path = fixtures.Write($"ragged{ragged}.vmdk", bytes);

        var result = Inspecting.InChunks(bytes, 7);

        Assert.Equal(valid, QemuOpens(path));
        Assert.Equal(valid, result.IsSafe);
    }

    [Fact]
    public void StreamOptimizedVmdkWhoseFooterDisagreesWithItsHeaderIsUnsafe()
    {
        var bytes = WithFooter(fixtures.Bytes("stream.vmdk"));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 1024 + 28), 40);

        Assert.Equal("The VMDK image is invalid: its footer does not match its header.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void OldCowdVmdkIsUnsafe()
    {
        var bytes = new byte[4096];
        "COWD"u8.CopyTo(bytes);

        var result = Inspecting.Whole(bytes);

        Assert.Equal(DetectedFormat.Vmdk, result.Format);
        Assert.Contains("COWD", result.UnsafeReason);
    }

    [Fact]
    public void VhdDifferencingDiskIsUnsafe()
    {
        var bytes = fixtures.Bytes("dynamic.vhd");
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(60), 4);

        Assert.Equal("The VHD image is a differencing disk that refers to a parent file.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void DynamicVhdWhoseTrailingFooterSaysDifferencingIsUnsafe()
    {
        var bytes = VhdWithDifferencingTrailingFooter(fixtures.Bytes("dynamic.vhd"));

        var result = Inspecting.InChunks(bytes, 7);

        Assert.Equal(DetectedFormat.Vhd, result.Format);
        Assert.Equal("The VHD image is a differencing disk that refers to a parent file.", result.UnsafeReason);
        Assert.False(FormatDecision.Decide(DiskFormat.Vhd, result).Accepted);
    }

    [Fact]
    public void VhdWithoutItsTrailingFooterIsInvalid()
    {
        var path = fixtures.Write("no-footer.vhd", fixtures.Bytes("dynamic.vhd"));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(file.Length - 512);
        }

        var result = Inspecting.InChunks(File.ReadAllBytes(path), 4096);

        Assert.Equal(DetectedFormat.Vhd, result.Format);
        Assert.StartsWith("The VHD image is invalid: its footer at the end of the file is missing or differs", result.UnsafeReason);
    }

    [Fact]
    public void VhdWhoseTrailingFooterDisagreesWithTheHeadCopyIsInvalid()
    {
        var bytes = fixtures.Bytes("dynamic.vhd");
        // A bigger current size in the copy Hyper-V reads than in the one qemu reads.
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(bytes.Length - 512 + 48), 1L << 40);

        Assert.StartsWith("The VHD image is invalid: its footer at the end", Inspecting.Whole(bytes).UnsafeReason);
    }

    /// <summary>
    /// A dynamic VHD turned differencing for the tools that read the end copy of the footer: disk type 4 there, and a
    /// Windows parent locator (platform "W2ku") in the dynamic header naming a host file.
    /// </summary>
    public static byte[] VhdWithDifferencingTrailingFooter(byte[] vhd)
    {
        BinaryPrimitives.WriteUInt32BigEndian(vhd.AsSpan(vhd.Length - 512 + 60), 4);
        var locator = vhd.AsSpan(512 + 576, 24);
        "W2ku"u8.CopyTo(locator);
        BinaryPrimitives.WriteUInt32BigEndian(locator[4..], 512);
        BinaryPrimitives.WriteUInt32BigEndian(locator[8..], 24);
        BinaryPrimitives.WriteUInt64BigEndian(locator[16..], (ulong)vhd.Length - 512);
        return vhd;
    }

    [Fact]
    public void VhdxWithOneTornHeaderIsStillAccepted()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        bytes[VhdxFirstHeader + 100] ^= 0xFF;

        var result = Inspecting.InChunks(bytes, 4096);

        Assert.Null(result.UnsafeReason);
        Assert.Equal(QemuImg.Info(fixtures.PathOf("disk.vhdx")).VirtualSize, result.VirtualSize);
    }

    [Fact]
    public void VhdxWithNoValidHeaderIsInvalid()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        bytes[VhdxFirstHeader + 100] ^= 0xFF;
        bytes[VhdxSecondHeader + 100] ^= 0xFF;

        Assert.Equal("The VHDX image is invalid: neither of its two headers is valid.", Inspecting.InChunks(bytes, 7).UnsafeReason);
    }

    [Fact]
    public void VhdxWhoseActiveHeaderHasALogIsUnsafe()
    {
        // qemu-img writes the second header last, with the higher sequence number: it is the active one.
        var bytes = VhdxWithLog(fixtures.Bytes("disk.vhdx"), VhdxSecondHeader);

        var result = Inspecting.InChunks(bytes, 65536);

        Assert.Equal(DetectedFormat.Vhdx, result.Format);
        Assert.Equal("The VHDX image has a log of pending writes that would change it when opened.", result.UnsafeReason);
    }

    [Fact]
    public void VhdxWithALogOnlyInTheOlderHeaderIsAccepted()
    {
        var bytes = VhdxWithLog(fixtures.Bytes("disk.vhdx"), VhdxFirstHeader);

        Assert.Null(Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void VhdxHeaderWithTheHigherSequenceNumberIsTheActiveOneWhereverItLies()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        var second = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(VhdxSecondHeader + 8));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(VhdxFirstHeader + 8), second + 1);
        bytes = VhdxWithLog(bytes, VhdxFirstHeader);

        Assert.Contains("log of pending writes", Inspecting.Whole(bytes).UnsafeReason);
    }

    public const int VhdxFirstHeader = 64 * 1024;
    public const int VhdxSecondHeader = 128 * 1024;

    /// <summary>Sets a log GUID in the VHDX header at <paramref name="header"/> and signs it again (CRC-32C over 4 KiB, checksum field zeroed).</summary>
    public static byte[] VhdxWithLog(byte[] vhdx, int header)
    {
        Guid.NewGuid().TryWriteBytes(vhdx.AsSpan(header + 48));
        BinaryPrimitives.WriteUInt32LittleEndian(vhdx.AsSpan(header + 4), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(vhdx.AsSpan(header + 4), Crc32C(vhdx.AsSpan(header, 4096)));
        return vhdx;
    }

    /// <summary>Bit by bit, reflected polynomial 0x82F63B78: independent of the inspector's own.</summary>
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void VhdxWithParentLocatorIsUnsafe()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        var table = VhdxMetadataTable(bytes);
        var page83 = FindMetadataEntry(bytes, table, new Guid("BECA12AB-B2E6-4523-93EF-C309E000C746"));
        new Guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C").TryWriteBytes(bytes.AsSpan(page83));

        Assert.Equal("The VHDX image is a differencing disk that refers to a parent file.", Inspecting.InChunks(bytes, 4096).UnsafeReason);
    }

    [Fact]
    public void VhdxWithHasParentFlagIsUnsafe()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        var table = VhdxMetadataTable(bytes);
        var entry = FindMetadataEntry(bytes, table, new Guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B"));
        var item = table + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(entry + 16));
        bytes[item + 4] |= 0x2;

        Assert.Equal("The VHDX image is a differencing disk that refers to a parent file.", Inspecting.InChunks(bytes, 7).UnsafeReason);
    }

    [Fact]
    public void VhdxWhoseMetadataPointsBackIntoBytesAlreadyGoneIsUnsafe()
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        var entry = 0x30000 + 16;
        while (new Guid(bytes.AsSpan(entry, 16)) != new Guid("8B7CA206-4790-4B9A-B8FE-575F050F886E"))
        {
            entry += 32;
        }

        // 100 KiB: past the first 64 KiB and before the region table, so nothing kept it.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(entry + 16), 100 * 1024);

        var result = Inspecting.InChunks(bytes, 4096);

        Assert.Equal(DetectedFormat.Vhdx, result.Format);
        Assert.Equal("The VHDX image is invalid: its metadata lies where it cannot be read in a single pass.", result.UnsafeReason);
    }

    [Fact]
    public void LuksVersion2IsUnsafe()
    {
        var bytes = fixtures.Bytes("disk.luks");
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), 2);

        Assert.Equal("LUKS version 2 volumes are not supported.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void VdiDifferencingImageIsUnsafe()
    {
        var bytes = fixtures.Bytes("disk.vdi");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x4C), 4);

        Assert.Contains("depends on another disk", Inspecting.Whole(bytes).UnsafeReason);
    }

    public static TheoryData<string, DetectedFormat, int> TruncatedHeaders => new()
    {
        { "v3.qcow2", DetectedFormat.Qcow2, 4 },
        { "v3.qcow2", DetectedFormat.Qcow2, 50 },
        { "v3.qcow2", DetectedFormat.Qcow2, 103 },
        { "v2.qcow2", DetectedFormat.Qcow2, 71 },
        { "dynamic.vhd", DetectedFormat.Vhd, 8 },
        { "dynamic.vhd", DetectedFormat.Vhd, 511 },
        { "disk.vhdx", DetectedFormat.Vhdx, 8 },
        { "disk.vhdx", DetectedFormat.Vhdx, 150_000 },
        { "disk.vhdx", DetectedFormat.Vhdx, 0x30000 + 40 },
        { "disk.vhdx", DetectedFormat.Vhdx, 0x300010 },
        { "disk.vhdx", DetectedFormat.Vhdx, 0x300100 },
        { "sparse.vmdk", DetectedFormat.Vmdk, 4 },
        { "sparse.vmdk", DetectedFormat.Vmdk, 300 },
        { "sparse.vmdk", DetectedFormat.Vmdk, 512 },
        { "disk.vdi", DetectedFormat.Vdi, 0x44 },
        { "disk.vdi", DetectedFormat.Vdi, 0x177 },
        { "disk.luks", DetectedFormat.Luks, 6 },
        { "disk.luks", DetectedFormat.Luks, 100 },
        { "disk.luks", DetectedFormat.Luks, 100_000 },
        { "disk.iso", DetectedFormat.Iso, (16 * 2048) + 6 },
        { "disk.iso", DetectedFormat.Iso, (17 * 2048) - 1 },
    };

    [Theory]
    [MemberData(nameof(TruncatedHeaders))]
    public void TruncatedHeaderIsAnUnsafeImageOfItsFormatNotRawData(string name, DetectedFormat format, int length)
    {
        var bytes = fixtures.Bytes(name).AsSpan(0, length);

        var result = Inspecting.InChunks(bytes, 1000);

        Assert.Equal(format, result.Format);
        Assert.Contains("truncated", result.UnsafeReason);
        Assert.Equal(result, ImageFormatInspector.Inspect(bytes, length));
    }

    public static TheoryData<string, long, DetectedFormat, string> TruncatedTables => new()
    {
        // qemu-img puts the L1 table of a new qcow2 last, at 192 KiB.
        { "v3.qcow2", 0x30000 + 8, DetectedFormat.Qcow2, "qcow2 L1 table" },
        // The grain directory of the 1 GiB sparse VMDK: 32 entries at sector 150.
        { "sparse.vmdk", (150 * 512) + 64, DetectedFormat.Vmdk, "VMDK grain directory" },
        { "disk.vdi", 4000, DetectedFormat.Vdi, "VDI block map" },
        // 2560 entries of 4 bytes from 1536 on.
        { "dynamic.vhd", 2048, DetectedFormat.Vhd, "VHD block allocation table" },
        { "disk.vhdx", 0x38000, DetectedFormat.Vhdx, "VHDX region table" },
        // qemu-img's metadata region: 1 MiB from 3 MiB on; its table and items are in the first 64 KiB.
        { "disk.vhdx", (4 << 20) - 4096, DetectedFormat.Vhdx, "VHDX metadata region" },
        { "disk.hds", 1000, DetectedFormat.Parallels, "Parallels block allocation table" },
    };

    [Theory]
    [MemberData(nameof(TruncatedTables))]
    public void ImageCutBeforeTheEndOfATableItsHeaderPromisesIsTruncatedOrCorrupt(string name, long length, DetectedFormat format, string table)
    {
        var bytes = fixtures.Truncated(name, length);

        var result = Inspecting.InChunks(bytes, 4096);

        Assert.Equal(format, result.Format);
        Assert.Equal($"The image is truncated or corrupt: the {table} ends past the end of the file.", result.UnsafeReason);
        Assert.Equal(result, Inspecting.InChunks(bytes, 7));
    }

    [Theory]
    [InlineData(56, 1000u, "refcount table")]
    [InlineData(60, 1u, "snapshot table")]
    public void Qcow2WhoseTablesLieBeyondTheFileIsTruncatedOrCorrupt(int field, uint value, string table)
    {
        // A refcount table of 1000 clusters, or one snapshot whose table starts where the file ends.
        var bytes = fixtures.Bytes("v3.qcow2");
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(field), value);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(64), (ulong)bytes.Length);

        Assert.Equal($"The image is truncated or corrupt: the qcow2 {table} ends past the end of the file.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Fact]
    public void StreamOptimizedVmdkTakesItsGrainDirectoryFromTheFooter()
    {
        // The header keeps gdOffset = -1; the footer (1 KiB before the end) holds the real one, here past the end.
        var bytes = WithFooter(fixtures.Bytes("stream.vmdk"));
        Assert.Null(Inspecting.Whole(bytes).UnsafeReason);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 1024 + 56), (ulong)bytes.Length / 512);

        Assert.Equal("The image is truncated or corrupt: the VMDK grain directory ends past the end of the file.", Inspecting.InChunks(bytes, 4096).UnsafeReason);
    }

    [Fact]
    public void PrefixOfATruncatedHeaderIsUndecidedUntilTheLengthIsKnown()
    {
        var bytes = fixtures.Bytes("v3.qcow2").AsSpan(0, 50);

        var result = ImageFormatInspector.Inspect(bytes);

        Assert.Equal(DetectedFormat.Qcow2, result.Format);
        Assert.Null(result.UnsafeReason);
        Assert.Null(result.VirtualSize);
    }

    private static bool QemuOpens(string path)
    {
        try
        {
            return QemuImg.Info(path).Format == "vmdk";
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Turns a qemu stream-optimized VMDK into the VMware layout: header says "see footer", footer at the end.</summary>
    private static byte[] WithFooter(byte[] vmdk)
    {
        var header = vmdk.AsSpan(0, 512).ToArray();
        var result = new byte[vmdk.Length + 1536];
        vmdk.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(56), ulong.MaxValue);
        var footer = result.AsSpan(vmdk.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[12..], 3);
        header.CopyTo(footer[512..]);
        return result;
    }

    private static int VhdxMetadataTable(byte[] vhdx)
    {
        for (var offset = 1024 * 1024; offset < vhdx.Length; offset += 1024 * 1024)
        {
            if (vhdx.AsSpan(offset).StartsWith("metadata"u8))
            {
                return offset;
            }
        }

        throw new InvalidOperationException("The VHDX fixture has no metadata table.");
    }

    private static int FindMetadataEntry(byte[] vhdx, int table, Guid id)
    {
        for (var entry = table + 32; entry < table + (64 * 1024); entry += 32)
        {
            if (new Guid(vhdx.AsSpan(entry, 16)) == id)
            {
                return entry;
            }
        }

        throw new InvalidOperationException($"The VHDX fixture has no metadata entry {id}.");
    }
}
