using Portal.Accounts;

namespace Portal.Images.Activity;

/// <summary>What happened to an image. Stored under these names: never renumber or rename one.</summary>
public enum ImageActivityKind
{
    Created,
    UploadStarted,
    UploadFinished,

    /// <summary>The portal refused the data or the attempt (format, size, quota, too many uploads, already receiving).</summary>
    UploadRefused,

    /// <summary>The upload stopped before it finished: the connection was lost, nothing arrived for too long, the portal restarted.</summary>
    UploadFailed,

    ImportStarted,

    /// <summary>The portal restarted while the image was importing and started the import again by itself.</summary>
    ImportRestarted,

    ImportFinished,
    ImportFailed,
    ImportCancelled,
    Protected,
    Unprotected,

    /// <summary>Descriptive fields, visibility, tags or properties changed; the detail names the fields.</summary>
    Edited,

    Deactivated,
    Reactivated,
    Deleted,
    Restored,

    /// <summary>Deleted for good before the restore window ended (the customer's Delete permanently, the operator's purge).</summary>
    DeletedPermanently,

    /// <summary>The portal removed the data of a deleted image once its restore window was over.</summary>
    Scrubbed,

    /// <summary>The stored data was checked; the detail is the outcome.</summary>
    IntegrityChecked,

    /// <summary>The image was shared with an account; the detail is the account's name.</summary>
    MemberAdded,

    /// <summary>The owner stopped sharing the image with an account; the detail is the account's name.</summary>
    MemberRemoved,

    /// <summary>An account the image is shared with accepted it; the detail is the account's name.</summary>
    MemberAccepted,

    MemberRejected,

    /// <summary>A member account set its answer back to pending.</summary>
    MemberPending,
}

/// <summary>
/// One entry of an image's activity log: what happened, who did it (null: the portal itself) and when. Entries are
/// written in the same save as the change they describe and never changed or removed afterwards, so the log outlives
/// the image's deletion; nothing here can be set after <see cref="Record"/>.
/// </summary>
public sealed class ImageActivity
{
    public const int MaxActorLength = 256;
    public const int MaxDetailLength = 1000;

    private ImageActivity()
    {
    }

    /// <summary>Increasing in the order entries were written: orders entries recorded at the same instant.</summary>
    public long Id { get; private set; }

    public Guid ImageId { get; private set; }

    public DateTime At { get; private set; }

    public ImageActivityKind Kind { get; private set; }

    /// <summary>The user who did it, as they sign in (their email); null when the portal did it by itself.</summary>
    public string? Actor { get; private set; }

    public string? ActorUserId { get; private set; }

    /// <summary>The actor acted as the platform operator; customers are shown "the platform operator", not a colleague's address.</summary>
    public bool ActorIsOperator { get; private set; }

    /// <summary>Which fields changed, why an upload was refused, what a check found: in words for people.</summary>
    public string? Detail { get; private set; }

    public bool ByPortal => ActorUserId is null;

    public static ImageActivity Record(Guid imageId, ImageActivityKind kind, Caller? actor, DateTime at, string? detail = null) => new()
    {
        ImageId = imageId,
        Kind = kind,
        At = at,
        Actor = actor?.Email is { } email ? Truncate(email, MaxActorLength) : null,
        ActorUserId = actor?.UserId,
        ActorIsOperator = actor?.IsOperator ?? false,
        Detail = string.IsNullOrWhiteSpace(detail) ? null : Truncate(detail.Trim(), MaxDetailLength),
    };

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";
}

/// <summary>A run of an image's activity, newest first; <see cref="More"/> when older entries remain.</summary>
public sealed record ImageActivityPage(IReadOnlyList<ImageActivity> Entries, bool More)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}
