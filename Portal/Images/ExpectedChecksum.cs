using System.Security.Cryptography;

namespace Portal.Images;

public enum ChecksumAlgorithm
{
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

/// <summary>
/// A digest the customer expects the data to have, as download pages publish them: an md5, sha1, sha256 or sha512 hex
/// digest, the algorithm told by its length or by a prefix (<c>sha256:…</c>). It is of the bytes as sent — the
/// compressed file, when the file was compressed.
/// </summary>
public sealed record ExpectedChecksum(ChecksumAlgorithm Algorithm, string Hex)
{
    public const int MaxLength = 7 + 128;

    public const string Help =
        "An md5, sha1, sha256 or sha512 hex digest of the file as sent (the compressed file, if it is compressed), optionally prefixed \"sha256:\".";

    private static readonly (string Prefix, ChecksumAlgorithm Algorithm, int HexLength)[] Known =
    [
        ("md5", ChecksumAlgorithm.Md5, 32),
        ("sha1", ChecksumAlgorithm.Sha1, 40),
        ("sha256", ChecksumAlgorithm.Sha256, 64),
        ("sha512", ChecksumAlgorithm.Sha512, 128),
    ];

    /// <summary>"SHA-256": the name the customer reads.</summary>
    public string AlgorithmName => NameOf(Algorithm);

    public HashAlgorithmName HashName => Algorithm switch
    {
        ChecksumAlgorithm.Md5 => HashAlgorithmName.MD5,
        ChecksumAlgorithm.Sha1 => HashAlgorithmName.SHA1,
        ChecksumAlgorithm.Sha256 => HashAlgorithmName.SHA256,
        _ => HashAlgorithmName.SHA512,
    };

    public static string NameOf(ChecksumAlgorithm algorithm) => algorithm switch
    {
        ChecksumAlgorithm.Md5 => "MD5",
        ChecksumAlgorithm.Sha1 => "SHA-1",
        ChecksumAlgorithm.Sha256 => "SHA-256",
        _ => "SHA-512",
    };

    /// <summary>What the image's reason says when the data is not the expected one.</summary>
    public string MismatchReason(string actualHex) => $"The data's {AlgorithmName} is {actualHex}, not the expected {Hex}.";

    public bool Matches(string actualHex) => string.Equals(actualHex, Hex, StringComparison.OrdinalIgnoreCase);

    /// <summary>The stored form, "sha256:&lt;hex&gt;".</summary>
    public override string ToString() => $"{Known.First(k => k.Algorithm == Algorithm).Prefix}:{Hex}";

    /// <summary>Reads a digest as a customer types it; null with the reason when it is not one.</summary>
    public static ExpectedChecksum? Parse(string? text, out string? error)
    {
        error = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return null;
        }

        var named = -1;
        var colon = value.IndexOf(':');
        if (colon >= 0)
        {
            var prefix = value[..colon].Trim().ToLowerInvariant().Replace("-", "");
            named = Array.FindIndex(Known, k => k.Prefix == prefix);
            if (named < 0)
            {
                error = $"“{value[..colon]}” is not a checksum algorithm the portal knows: use md5, sha1, sha256 or sha512.";
                return null;
            }

            value = value[(colon + 1)..].Trim();
        }

        if (value.Length == 0 || !value.All(Uri.IsHexDigit))
        {
            error = "A checksum is written in hexadecimal digits (0-9, a-f).";
            return null;
        }

        if (named >= 0)
        {
            var algorithm = Known[named];
            if (value.Length != algorithm.HexLength)
            {
                error = $"A {NameOf(algorithm.Algorithm)} checksum has {algorithm.HexLength} hex digits; this one has {value.Length}.";
                return null;
            }

            return new ExpectedChecksum(algorithm.Algorithm, value.ToLowerInvariant());
        }

        foreach (var known in Known)
        {
            if (known.HexLength == value.Length)
            {
                return new ExpectedChecksum(known.Algorithm, value.ToLowerInvariant());
            }
        }

        error = $"A checksum has 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512) hex digits; this one has {value.Length}.";
        return null;
    }

    /// <summary>Reads a digest known to be well formed (one stored by the portal).</summary>
    public static ExpectedChecksum? FromStored(string? stored) =>
        stored is null ? null : Parse(stored, out var error) ?? throw new FormatException(error);
}
