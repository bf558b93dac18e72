namespace Portal.Identity;

/// <summary>
/// A token issued for an application credential (Keystone's <c>X-Subject-Token</c>). Only its SHA-256 is stored; it
/// is void once it expires or its credential is revoked (the row goes with the credential).
/// </summary>
public sealed class ApiToken
{
    private ApiToken()
    {
        Hash = [];
        UserId = string.Empty;
    }

    internal ApiToken(Guid id, byte[] hash, ApplicationCredential credential, DateTime issuedAt, DateTime expiresAt)
    {
        Id = id;
        Hash = hash;
        CredentialId = credential.Id;
        UserId = credential.UserId;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
    }

    public Guid Id { get; private set; }
    internal byte[] Hash { get; private set; }
    public Guid CredentialId { get; private set; }
    public string UserId { get; private set; }
    public DateTime IssuedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }

    /// <summary>Keystone's audit id: names the token in logs without being the token.</summary>
    public string AuditId => Convert.ToBase64String(Id.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
