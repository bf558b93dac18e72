using System.Buffers.Binary;
using System.Text;

using Portal.Images.Inspection;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Inspection;

/// <summary>Real images made by qemu-img and genisoimage, once for all the inspection tests, in a temporary folder.</summary>
public sealed class ImageFixtures : IDisposable
{
    /// <summary>Images that are safe as made, and the format the inspector must report for each.</summary>
    public static readonly IReadOnlyDictionary<string, DetectedFormat> Safe = new Dictionary<string, DetectedFormat>
    {
        ["v2.qcow2"] = DetectedFormat.Qcow2,
        ["v3.qcow2"] = DetectedFormat.Qcow2,
        ["compressed.qcow2"] = DetectedFormat.Qcow2,
        ["zstd.qcow2"] = DetectedFormat.Qcow2,
        ["sparse.vmdk"] = DetectedFormat.Vmdk,
        ["stream.vmdk"] = DetectedFormat.Vmdk,
        ["dynamic.vhd"] = DetectedFormat.Vhd,
        ["disk.vhdx"] = DetectedFormat.Vhdx,
        ["disk.vdi"] = DetectedFormat.Vdi,
        ["content.raw"] = DetectedFormat.Raw,
        ["mbr.raw"] = DetectedFormat.Raw,
        ["gpt.raw"] = DetectedFormat.Raw,
        ["disk.iso"] = DetectedFormat.Iso,
        ["disk.luks"] = DetectedFormat.Luks,
        ["disk.hds"] = DetectedFormat.Parallels,
    };

    private readonly Dictionary<string, byte[]> _bytes = [];

    public ImageFixtures()
    {
        Folder = Directory.CreateTempSubdirectory("portal-inspection-").FullName;
        File.WriteAllBytes(PathOf("content.raw"), PatternedContent(3 * 1024 * 1024));
        File.WriteAllBytes(PathOf("mbr.raw"), PartitionedDisk(gpt: false));
        File.WriteAllBytes(PathOf("gpt.raw"), PartitionedDisk(gpt: true));

        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", "compat=0.10", PathOf("v2.qcow2"), "1G");
        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", "compat=1.1", PathOf("v3.qcow2"), "6G");
        QemuImg.Run("convert", "-c", "-O", "qcow2", PathOf("content.raw"), PathOf("compressed.qcow2"));
        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", "compression_type=zstd", PathOf("zstd.qcow2"), "64M");
        QemuImg.Run("create", "-q", "-f", "vmdk", PathOf("sparse.vmdk"), "1G");
        QemuImg.Run("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", PathOf("content.raw"), PathOf("stream.vmdk"));
        QemuImg.Run("create", "-q", "-f", "vpc", PathOf("dynamic.vhd"), "5G");
        QemuImg.Run("create", "-q", "-f", "vhdx", PathOf("disk.vhdx"), "3G");
        QemuImg.Run("create", "-q", "-f", "vdi", PathOf("disk.vdi"), "1G");
        QemuImg.Run("create", "-q", "-f", "parallels", PathOf("disk.hds"), "1G");
        QemuImg.Run("create", "-q", "-f", "luks", "--object", "secret,id=sec0,data=not-a-secret",
            "-o", "key-secret=sec0,iter-time=10", PathOf("disk.luks"), "2M");
        var isoContent = Directory.CreateDirectory(PathOf("iso-content")).FullName;
        File.WriteAllText(Path.Combine(isoContent, "readme.txt"), "hello from the fixture\n");
        QemuImg.Tool("genisoimage", "-quiet", "-V", "FIXTURE", "-o", PathOf("disk.iso"), isoContent);

        QemuImg.Run("create", "-q", "-f", "qcow2", "-b", PathOf("content.raw"), "-F", "raw", PathOf("backing.qcow2"));
        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", $"data_file={PathOf("external.data")}", PathOf("datafile.qcow2"), "64M");
        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", "extended_l2=on", PathOf("extl2.qcow2"), "64M");
        QemuImg.Run("create", "-q", "-f", "qed", PathOf("disk.qed"), "1G");
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>A fixture's bytes (a fresh copy, free to patch).</summary>
    public byte[] Bytes(string name)
    {
        lock (_bytes)
        {
            if (!_bytes.TryGetValue(name, out var bytes))
            {
                bytes = File.ReadAllBytes(PathOf(name));
                _bytes[name] = bytes;
            }

            return (byte[])bytes.Clone();
        }
    }

    /// <summary>Writes bytes as a new file in the fixture folder, for qemu-img to judge too.</summary>
    public string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(PathOf(name), bytes);
        return PathOf(name);
    }

    /// <summary>A copy of a fixture cut to <paramref name="length"/> bytes, as an interrupted transfer leaves it.</summary>
    public byte[] Truncated(string name, long length)
    {
        var path = PathOf($"{length}-{name}");
        File.Copy(PathOf(name), path, overwrite: true);
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(length);
        }

        return File.ReadAllBytes(path);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>A sparse VMDK with its embedded descriptor edited (to plant extents that name other files).</summary>
    public static byte[] WithVmdkDescriptor(byte[] vmdk, Func<string, string> edit)
    {
        var area = vmdk.AsSpan(512, 20 * 512);
        var text = Encoding.ASCII.GetString(area[..area.IndexOf((byte)0)]);
        var edited = Encoding.ASCII.GetBytes(edit(text));
        Assert.NotEqual(text, Encoding.ASCII.GetString(edited));
        Assert.True(edited.Length < area.Length, "The edited descriptor must fit the descriptor area.");
        area.Clear();
        edited.CopyTo(area);
        return vmdk;
    }


    private static byte[] PatternedContent(int length)
    {
        var bytes = new byte[length];
        var line = 0;
        for (var offset = 0; offset < length;)
        {
            var text = Encoding.ASCII.GetBytes($"fixture line {line++}\n");
            var count = Math.Min(text.Length, length - offset);
            text.AsSpan(0, count).CopyTo(bytes.AsSpan(offset));
            offset += count;
        }

        return bytes;
    }

    /// <summary>A 2 MiB disk with one partition, written byte by byte (no root needed for sfdisk or losetup).</summary>
    private static byte[] PartitionedDisk(bool gpt)
    {
        const int sectors = 4096;
        var disk = new byte[sectors * 512];
        var entry = disk.AsSpan(446, 16);
        if (gpt)
        {
            entry[1] = 0x00;
            entry[2] = 0x02;
            entry[3] = 0x00;
            entry[4] = 0xEE;
            entry[5] = 0xFF;
            entry[6] = 0xFF;
            entry[7] = 0xFF;
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], sectors - 1);
            "EFI PART"u8.CopyTo(disk.AsSpan(512));
            BinaryPrimitives.WriteUInt32LittleEndian(disk.AsSpan(520), 0x00010000);
            BinaryPrimitives.WriteUInt32LittleEndian(disk.AsSpan(524), 92);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(536), 1);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(544), sectors - 1);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(552), 34);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(560), sectors - 34);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(584), 2);
            BinaryPrimitives.WriteUInt32LittleEndian(disk.AsSpan(592), 128);
            BinaryPrimitives.WriteUInt32LittleEndian(disk.AsSpan(596), 128);
            new Guid("0FC63DAF-8483-4772-8E79-3D69D8477DE4").TryWriteBytes(disk.AsSpan(1024));
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(1024 + 32), 2048);
            BinaryPrimitives.WriteUInt64LittleEndian(disk.AsSpan(1024 + 40), sectors - 35);
        }
        else
        {
            entry[0] = 0x80;
            entry[4] = 0x83;
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], 2048);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], sectors - 2048);
        }

        disk[510] = 0x55;
        disk[511] = 0xAA;
        return disk;
    }
}


[CollectionDefinition(Name)]
public sealed class ImageFixtureCollection : ICollectionFixture<ImageFixtures>
{
    public const string Name = "Disk images made by qemu-img";
}
