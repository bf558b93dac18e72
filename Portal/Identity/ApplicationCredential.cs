using FluentValidation;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// A secret a user makes for scripts and tools (OpenStack's application credential): it signs in as that user, with
/// the user's account and role, and never more. Only a hash of the secret is kept; revoking deletes the credential,
/// and with it every token issued for it.
/// </summary>
public sealed class ApplicationCredential
{
    public const int MaxNameLength = 255;
    public const int MaxDescriptionLength = 255;

    private ApplicationCredential()
    {
        UserId = string.Empty;
        Name = string.Empty;
        SecretHash = [];
    }

    internal ApplicationCredential(Guid id, string userId, NewApplicationCredential request, byte[] secretHash, DateTime now)
    {
        Id = id;
        UserId = userId;
        Name = request.Name.Trim();
        Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        // Cut to what both databases keep (PostgreSQL: microseconds), so that the expiry handed back now is the one
        // every later check reads: a token issued for the credential expires with it, not a fraction before.
        ExpiresAt = request.ExpiresAt is { } expires ? PortalDatabase.ToStoredPrecision(expires.ToUniversalTime()) : null;
        SecretHash = secretHash;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }

    /// <summary>The credential's id as OpenStack tools show and send it: 32 hexadecimal digits.</summary>
    public string PublicId => FormatId(Id);

    public string UserId { get; private set; }
    public string Name { get; private set; }
    public string? Description { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>After this moment the credential signs nobody in, and no token issued for it outlives it; null: never.</summary>
    public DateTime? ExpiresAt { get; private set; }

    public DateTime? LastUsedAt { get; private set; }

    internal byte[] SecretHash { get; private set; }

    public bool IsExpired(DateTime now) => ExpiresAt is { } expires && expires <= now;

    internal void Used(DateTime now) => LastUsedAt = now;

    public static string FormatId(Guid id) => id.ToString("N");

    public static Guid? ParseId(string? id) => Guid.TryParseExact(id, "N", out var parsed) ? parsed : null;
}

/// <summary>What the create form (or a test) asks for.</summary>
public sealed class NewApplicationCredential
{
    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }

    /// <summary>Optional: when it stops working (UTC).</summary>
    public DateTime? ExpiresAt { get; set; }
}

/// <summary>The rules for a new credential; the form validates with the same class.</summary>
public sealed class NewApplicationCredentialValidator : AbstractValidator<NewApplicationCredential>
{
    public NewApplicationCredentialValidator(TimeProvider clock)
    {
        RuleFor(c => c.Name)
            .Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Give the credential a name.")
            .MaximumLength(ApplicationCredential.MaxNameLength)
            .WithMessage($"The name can be at most {ApplicationCredential.MaxNameLength} characters long.");
        RuleFor(c => c.Description)
            .MaximumLength(ApplicationCredential.MaxDescriptionLength)
            .WithMessage($"The description can be at most {ApplicationCredential.MaxDescriptionLength} characters long.");
        RuleFor(c => c.ExpiresAt)
            .Must(expires => expires is null || expires.Value.ToUniversalTime() > clock.GetUtcNow().UtcDateTime)
            .WithMessage("The expiry date must be in the future.");
    }
}
