using System.Security.Cryptography;
using System.Text;

namespace Portal.Identity;

/// <summary>
/// Secrets and tokens are 256 random bits, shown once; only their SHA-256 is stored. A salted slow hash protects
/// passwords people choose; these are never chosen by a person, so guessing one from its hash is out of reach.
/// </summary>
internal static class Secrets
{
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string secret, byte[] hash) => CryptographicOperations.FixedTimeEquals(Hash(secret), hash);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
