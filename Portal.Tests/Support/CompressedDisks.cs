using System.Security.Cryptography;

namespace Portal.Tests.Support;

/// <summary>
/// A qcow2 disk made by qemu-img, compressed by Debian's own gzip, xz, zstd and bzip2 (installed by test.sh), and a
/// compression bomb: a gigabyte of zeros that zstd makes tiny.
/// </summary>
public sealed class CompressedDisks : IDisposable
{
    public static readonly string[] Tools = ["gzip", "xz", "zstd", "bzip2"];

    private readonly string _folder = Directory.CreateTempSubdirectory("portal-compressed-").FullName;

    public CompressedDisks()
    {
        var raw = Path.Combine(_folder, "disk.raw");
        using (var file = File.Create(raw))
        {
            // Some of it random, some of it text and the rest unwritten: a disk with something for each compressor to do.
            file.Write(RandomNumberGenerator.GetBytes(1 << 20));
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(1 << 20))));
            file.SetLength(8L << 20);
        }

        Qcow2 = Path.Combine(_folder, "disk.qcow2");
        QemuImg.Run("convert", "-f", "raw", "-O", "qcow2", raw, Qcow2);
        foreach (var tool in Tools)
        {
            Shell($"{tool} -c {Qcow2} > {PathOf(tool)}");
        }

        Bomb = Path.Combine(_folder, "bomb.raw.zst");
        Shell($"head -c 1G /dev/zero | zstd -q -c > {Bomb}");
    }

    /// <summary>The disk as qemu-img made it: what each compressed file decompresses to.</summary>
    public string Qcow2 { get; }

    /// <summary>1 GiB of zeros compressed by zstd (tens of KiB).</summary>
    public string Bomb { get; }

    public byte[] Bytes => File.ReadAllBytes(Qcow2);

    public string PathOf(string tool) => $"{Qcow2}{SuffixOf(tool)}";

    public static string SuffixOf(string tool) => tool switch
    {
        "gzip" => ".gz",
        "xz" => ".xz",
        "zstd" => ".zst",
        "bzip2" => ".bz2",
        _ => throw new ArgumentOutOfRangeException(nameof(tool)),
    };

    public string Md5 => Convert.ToHexStringLower(MD5.HashData(Bytes));

    public string Sha512 => Convert.ToHexStringLower(SHA512.HashData(Bytes));

    private static void Shell(string command) => QemuImg.Tool("bash", "-c", $"set -o pipefail; {command}");

    // Idempotent: a WebApplicationFactory fixture that owns it is disposed twice (DisposeAsync, then Dispose).
    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
