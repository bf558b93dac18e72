namespace Portal.Rules;

/// <summary>Why the portal said no, as a stable code that clients and the HTTP layer can rely on.</summary>
public enum RefusalCode
{
    /// <summary>The thing does not exist, or the caller may not know that it does (another account's private image).</summary>
    NotFound,

    /// <summary>The request carries no valid proof of who sends it (no token, an expired one, a wrong secret).</summary>
    NotAuthenticated,

    /// <summary>The caller's role or account may not do this at all (a customer publishing, changing the catalog).</summary>
    NotAllowed,

    /// <summary>The image is protected against deletion.</summary>
    Protected,

    /// <summary>The action does not fit the current state (deleting while importing, uploading to an active image).</summary>
    InvalidState,

    /// <summary>Someone else changed the thing between reading and saving it.</summary>
    Stale,

    /// <summary>The request's fields are not acceptable.</summary>
    Invalid,

    /// <summary>Larger than the size cap or than the account's quota allows.</summary>
    TooLarge,

    /// <summary>The image data is unsafe or not what was declared.</summary>
    BadData,

    /// <summary>The account already has as many transfers running or waiting as it may; it can try again later.</summary>
    TooMany,

    /// <summary>The image store has no room left above its free-space reserve; nothing the customer sent is wrong.</summary>
    StoreFull,

    /// <summary>The image has no data to give (yet); Glance answers such a download with 204 No Content.</summary>
    NoData,

    /// <summary>The request body is not in the media type the route takes (image data is application/octet-stream).</summary>
    UnsupportedMediaType,
}

/// <summary>A refusal: what kind, and the sentence the customer reads.</summary>
public sealed record Refusal(RefusalCode Code, string Message)
{
    /// <summary>The code as it goes over the wire ("not_allowed").</summary>
    public string WireCode => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(Code.ToString());
}

/// <summary>
/// The one exception every refusal of the domain travels in. Pages turn it into a message through the shared
/// action runner, HTTP endpoints into problem details; neither restates the rule.
/// </summary>
public class RefusedException(Refusal refusal) : Exception(refusal.Message)
{
    public RefusedException(RefusalCode code, string message)
        : this(new Refusal(code, message))
    {
    }

    public Refusal Refusal { get; } = refusal;

    public RefusalCode Code => Refusal.Code;
}

/// <summary>The answer to "may this caller do that": allowed, or refused with the reason.</summary>
public sealed record Decision(Refusal? Refusal)
{
    public static Decision Allow { get; } = new((Refusal?)null);

    public bool Allowed => Refusal is null;

    /// <summary>The sentence a page shows next to a disabled control; null when allowed.</summary>
    public string? Reason => Refusal?.Message;

    public static Decision Refuse(RefusalCode code, string message) => new(new Refusal(code, message));

    /// <summary>Enforces the decision: the same answer the page showed, now as a refusal.</summary>
    public void ThrowIfRefused()
    {
        if (Refusal is { } refusal)
        {
            throw new RefusedException(refusal);
        }
    }
}
