using System.Security.Cryptography;
using System.Text;

namespace Portal.Identity;

/// <summary>
/// Secrets and tokens are 256 random bits, shown once; only their SHA-256 is stored. A salted slow hash protects
/// passwords people choose; these are never chosen by a person, so guessing one from its hash is out of reach.
/// </summary>
internal static class Secrets
{
    /// <summary>
    /// 256 random bits in base64url, starting with a letter or digit: a secret or token that starts with "-" is taken
    /// for an option by command-line parsers (<c>glance --os-auth-token -abc…</c> fails), so such draws are redrawn.
    /// </summary>
    public static string New()
    {
        while (true)
        {
            var value = Base64Url(RandomNumberGenerator.GetBytes(32));
            if (char.IsAsciiLetterOrDigit(value[0]))
            {
                return value;
            }
        }
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string secret, byte[] hash) => CryptographicOperations.FixedTimeEquals(Hash(secret), hash);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
