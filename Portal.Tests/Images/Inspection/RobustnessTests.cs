using System.Buffers.Binary;
using Portal.Images.Inspection;

namespace Portal.Tests.Images.Inspection;

[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(ImageFixtureCollection.Name)]
public sealed class RobustnessTests(ImageFixtures fixtures)
{
    private static readonly byte[][] Magics =
    [
        [(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 3],
        [(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 2],
        "QED\0"u8.ToArray(),
        "conectix"u8.ToArray(),
        "vhdxfile"u8.ToArray(),
        "KDMV\u0001\0\0\0"u8.ToArray(),
        "COWD"u8.ToArray(),
        [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE, 0, 1],
        "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicSparse\"\nRW 8 SPARSE \"x.vmdk\"\n"u8.ToArray(),
        "version=1\n"u8.ToArray(),
    ];

    private static readonly ulong[] Extremes =
    [
        0, 1, 0x200, 0x30000, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue,
    ];

    [Fact]
    public void RandomBuffersNeverThrowNorCaptureMoreThanTheBound()
    {
        var random = new Random(20240702);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(4) switch
            {
                0 => random.Next(0, 700),
                1 => random.Next(0, 70_000),
                2 => random.Next(32_000, 40_000),
                _ => random.Next(190_000, 280_000),
            }];
            random.NextBytes(bytes);
            Plant(bytes, random);

            var result = InspectInRandomChunks(bytes, random);

            Assert.True(Enum.IsDefined(result.Format));
            Assert.True(result.VirtualSize is null or >= 0);
        }
    }

    [Fact]
    public void MutatedFixtureHeadersNeverThrowNorCaptureMoreThanTheBound()
    {
        var random = new Random(42);
        var cases = 0;
        string[] names = [.. ImageFixtures.Safe.Keys, "backing.qcow2", "datafile.qcow2", "extl2.qcow2", "disk.qed"];
        foreach (var name in names)
        {
            var bytes = fixtures.Bytes(name);
            var windows = InterestingWindows(bytes);
            for (var i = 0; i < 400; i++)
            {
                var (start, end) = windows[random.Next(windows.Count)];
                var offset = random.Next(start, Math.Max(start + 1, end - 8));
                var saved = bytes.AsSpan(offset, Math.Min(8, bytes.Length - offset)).ToArray();
                if (i % 2 == 0 && saved.Length == 8)
                {
                    var value = Extremes[random.Next(Extremes.Length)];
                    if (random.Next(2) == 0)
                    {
                        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset), value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
                    }
                }
                else
                {
                    bytes[offset] ^= (byte)random.Next(1, 256);
                }

                var result = InspectInRandomChunks(bytes, random);
                cases++;

                Assert.True(Enum.IsDefined(result.Format));
                saved.CopyTo(bytes.AsSpan(offset));
            }
        }

        Assert.Equal(names.Length * 400, cases);
    }

    public static TheoryData<string, int, ulong, bool, string> HostileFields => new()
    {
        { "v3.qcow2", 24, ulong.MaxValue, true, "impossible disk size" },
        { "v3.qcow2", 8, ulong.MaxValue, true, "backing file" },
        { "v3.qcow2", 20, ulong.MaxValue, true, "cluster size" },
        { "sparse.vmdk", 12, ulong.MaxValue, false, "impossible disk size" },
        { "sparse.vmdk", 28, ulong.MaxValue, false, "descriptor does not start within the first MiB" },
        { "sparse.vmdk", 4, 0xFFFF_FFFF, false, "unsupported version" },
        { "dynamic.vhd", 56, ulong.MaxValue, true, "disk type is unknown" },
        { "disk.vdi", 0x170, ulong.MaxValue, false, "impossible disk size" },
        { "disk.luks", 104, 0xFFFF_FFFF_0000_0000, true, "truncated" },
        { "disk.vhdx", 0x30008, 0xFFFF_FFFF, false, "region table is too large" },
        { "v3.qcow2", 40, ulong.MaxValue, true, "truncated or corrupt: the qcow2 L1 table" },
        { "v3.qcow2", 48, ulong.MaxValue, true, "truncated or corrupt: the qcow2 refcount table" },
        { "sparse.vmdk", 20, 0, false, "truncated or corrupt: the VMDK grain directory" },
        { "dynamic.vhd", 16, ulong.MaxValue, true, "truncated or corrupt: the VHD block allocation table" },
        { "disk.vdi", 0x154, ulong.MaxValue, false, "truncated or corrupt: the VDI block map" },
        { "disk.hds", 32, 0xFFFF_FFFF, false, "truncated or corrupt: the Parallels block allocation table" },
    };

    [Theory]
    [MemberData(nameof(HostileFields))]
    public void ExtremeFieldValuesGiveAnUnsafeVerdictNotAnException(string name, int offset, ulong value, bool bigEndian, string reason)
    {
        var bytes = fixtures.Bytes(name);
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), value);
        }

        Assert.Contains(reason, Inspecting.InChunks(bytes, 65536).UnsafeReason);
    }

    [Fact]
    public void VhdSizedByAnImpossibleCurrentSizeIsUnsafe()
    {
        var bytes = fixtures.Bytes("dynamic.vhd");
        "win "u8.CopyTo(bytes.AsSpan(28));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(48), ulong.MaxValue);

        Assert.Equal("The VHD image is invalid: it declares an impossible disk size.", Inspecting.Whole(bytes).UnsafeReason);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "metadata region lies outside the file")]
    [InlineData(0x7FFF_FFFF_FFFF_0000UL, "metadata region lies outside the file")]
    [InlineData(1UL << 40, "truncated")]
    public void VhdxMetadataOffsetFarBeyondTheFileIsNeverChased(ulong offset, string reason)
    {
        var bytes = fixtures.Bytes("disk.vhdx");
        var entry = 0x30000 + 16;
        while (new Guid(bytes.AsSpan(entry, 16)) != new Guid("8B7CA206-4790-4B9A-B8FE-575F050F886E"))
        {
            entry += 32;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(entry + 16), offset);

        var result = Inspecting.InChunks(bytes, 1024 * 1024);

        Assert.Equal(DetectedFormat.Vhdx, result.Format);
        Assert.Contains(reason, result.UnsafeReason);
    }

    [Fact]
    public void VmdkDescriptorThatNeverEndsIsHeldToOneMebibyte()
    {
        var header = fixtures.Bytes("sparse.vmdk").AsSpan(0, 512).ToArray();
        var filler = new byte[64 * 1024];
        filler.AsSpan().Fill((byte)'A');
        var inspector = new ImageFormatInspector();

        inspector.Feed(header);
        for (var i = 0; i < 64; i++)
        {
            inspector.Feed(filler);
            Assert.InRange(inspector.CapturedBytes, 0, ImageFormatInspector.MaxCapturedBytes);
        }

        var result = inspector.Complete();

        Assert.Equal(DetectedFormat.Vmdk, result.Format);
        Assert.Equal("The VMDK image is invalid: its descriptor contains lines that are not understood.", result.UnsafeReason);
        Assert.InRange(inspector.CapturedBytes, 1024 * 1024, (1024 * 1024) + (64 * 1024));
    }

    [Fact]
    public void FeedingGigabytesPastTheHeadersReadsNoneOfThem()
    {
        var chunk = new byte[1024 * 1024];
        var inspector = new ImageFormatInspector();
        inspector.Feed(chunk);
        var readForTheHeaders = inspector.BytesCopied;

        for (var i = 1; i < 8 * 1024; i++)
        {
            inspector.Feed(chunk);
        }

        // 8 GiB: after the first 64 KiB of headers (and the tail ring of the first chunk) no byte is even copied.
        Assert.InRange(readForTheHeaders, 64 * 1024, (64 * 1024) + VmdkSparseReader.FooterLength);
        Assert.Equal(readForTheHeaders, inspector.BytesCopied);
        Assert.Equal(8L << 30, inspector.BytesSeen);
        Assert.Equal(new InspectionResult(DetectedFormat.Raw, 8L << 30, null), inspector.Complete());
        Assert.InRange(inspector.CapturedBytes, 0, 64 * 1024);
    }

    private static void Plant(byte[] bytes, Random random)
    {
        switch (random.Next(8))
        {
            case < 4:
                var magic = Magics[random.Next(Magics.Length)];
                magic.AsSpan(0, Math.Min(magic.Length, bytes.Length)).CopyTo(bytes);
                break;
            case 4 when bytes.Length >= 0x44:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x40), 0xBEDA107F);
                break;
            case 5 when bytes.Length >= (16 * 2048) + 6:
                "CD001"u8.CopyTo(bytes.AsSpan((16 * 2048) + 1));
                bytes[16 * 2048] = 1;
                break;
            case 6 when bytes.Length >= 512:
                bytes[510] = 0x55;
                bytes[511] = 0xAA;
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Feeds the bytes in chunks of random sizes and checks that the inspector's work stays bounded: what it holds, and
    /// what it copies out of the chunks (the capture regions, plus at most the VMDK tail ring per chunk).
    /// </summary>
    private static InspectionResult InspectInRandomChunks(ReadOnlySpan<byte> bytes, Random random)
    {
        var inspector = new ImageFormatInspector();
        long tailAllowance = 0;
        for (var offset = 0; offset < bytes.Length;)
        {
            var size = Math.Min(bytes.Length - offset, random.Next(3) switch
            {
                0 => random.Next(1, 64),
                1 => random.Next(1, 70_000),
                _ => 1024 * 1024,
            });
            inspector.Feed(bytes.Slice(offset, size));
            offset += size;
            tailAllowance += Math.Min(size, VmdkSparseReader.FooterLength);
            Assert.InRange(inspector.CapturedBytes, 0, ImageFormatInspector.MaxCapturedBytes);
            Assert.InRange(inspector.BytesCopied, 0, ImageFormatInspector.MaxCapturedBytes + tailAllowance);
        }

        var result = inspector.Complete();
        Assert.InRange(inspector.CapturedBytes, 0, ImageFormatInspector.MaxCapturedBytes);
        return result;
    }

    /// <summary>Where the inspector reads: headers, ISO descriptors, VHDX tables, the VMDK footer.</summary>
    private static List<(int Start, int End)> InterestingWindows(byte[] bytes)
    {
        List<(int, int)> windows = [(0, Math.Min(bytes.Length, 2048))];
        if (bytes.Length > 34 * 1024)
        {
            windows.Add((32 * 1024, 34 * 1024));
        }

        if (bytes.Length > 0x30100)
        {
            windows.Add((0x30000, 0x30100));
        }

        for (var offset = 1024 * 1024; offset + 0x10100 < bytes.Length; offset += 1024 * 1024)
        {
            if (bytes.AsSpan(offset).StartsWith("metadata"u8))
            {
                windows.Add((offset, offset + 0x100));
                windows.Add((offset + 0x10000, offset + 0x10100));
            }
        }

        if (bytes.Length > 4096)
        {
            windows.Add((bytes.Length - 1536, bytes.Length));
        }

        return windows;
    }
}
