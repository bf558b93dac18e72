using SharpCompress.Compressors;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace Portal.Images.Compression;

/// <summary>How the bytes of a source are compressed, as its name or its first bytes tell.</summary>
public enum SourceCompression
{
    None,
    Gzip,
    Xz,
    Zstd,
    Bzip2,
}

public static class SourceCompressions
{
    /// <summary>Enough of a source's first bytes for <see cref="FromMagic"/>.</summary>
    public const int MagicLength = 6;

    private static readonly byte[] GzipMagic = [0x1F, 0x8B, 0x08];
    private static readonly byte[] XzMagic = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];
    private static readonly byte[] Bzip2Magic = [(byte)'B', (byte)'Z', (byte)'h'];

    /// <summary>"xz": the name of the compression the customer reads.</summary>
    public static string Name(this SourceCompression compression) => compression switch
    {
        SourceCompression.Gzip => "gzip",
        SourceCompression.Xz => "xz",
        SourceCompression.Zstd => "zstd",
        SourceCompression.Bzip2 => "bzip2",
        _ => "none",
    };

    /// <summary>The compression a file name or URL path ends in (<c>.gz</c>, <c>.xz</c>, <c>.zst</c>, <c>.bz2</c>).</summary>
    public static SourceCompression FromName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return SourceCompression.None;
        }

        var path = Uri.TryCreate(name, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsolutePath : name;
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".gz" or ".gzip" => SourceCompression.Gzip,
            ".xz" => SourceCompression.Xz,
            ".zst" or ".zstd" => SourceCompression.Zstd,
            ".bz2" => SourceCompression.Bzip2,
            _ => SourceCompression.None,
        };
    }

    /// <summary>A name without its compression suffix: "disk.qcow2.xz" → "disk.qcow2".</summary>
    public static string WithoutSuffix(string name) =>
        FromName(name) == SourceCompression.None ? name : name[..^Path.GetExtension(name).Length];

    /// <summary>The compression the first bytes of a source announce (gzip 1F 8B, xz FD 37 7A 58 5A 00, zstd 28 B5 2F FD, bzip2 "BZh1"–"BZh9").</summary>
    public static SourceCompression FromMagic(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(XzMagic))
        {
            return SourceCompression.Xz;
        }

        if (head.StartsWith(ZstdMagic))
        {
            return SourceCompression.Zstd;
        }

        if (head.StartsWith(GzipMagic))
        {
            return SourceCompression.Gzip;
        }

        return head.Length >= 4 && head.StartsWith(Bzip2Magic) && head[3] is >= (byte)'1' and <= (byte)'9'
            ? SourceCompression.Bzip2
            : SourceCompression.None;
    }

    /// <summary>
    /// The library's streaming decompressor over <paramref name="compressed"/> (the runtime's GZip, ZstdSharp, SharpCompress
    /// for xz and bzip2); each reads its source asynchronously and forward only. xz needs the source's position.
    /// </summary>
    public static async Task<Stream> OpenDecompressorAsync(this SourceCompression compression, Stream compressed, CancellationToken cancellationToken) =>
        compression switch
        {
            SourceCompression.Gzip => new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true),
            SourceCompression.Zstd => new ZstdSharp.DecompressionStream(compressed, 1 << 17, checkEndOfStream: true, leaveOpen: true),
            SourceCompression.Xz => new XZStream(compressed),
            SourceCompression.Bzip2 => await BZip2Stream.CreateAsync(compressed, CompressionMode.Decompress,
                decompressConcatenated: true, leaveOpen: true, tolerateTruncatedStream: false, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        };
}
