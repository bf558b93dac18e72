using Portal.Accounts;
using Portal.Images.Sharing;
using Portal.Rules;

namespace Portal.Images;

/// <summary>What a caller may ask of an existing image.</summary>
public enum ImageAction
{
    Edit,
    ChangeDiskFormat,

    /// <summary>Set what the coming data must be: its expected checksum, whether it is decompressed on its way in.</summary>
    ExpectData,
    Protect,
    Unprotect,
    Delete,
    Upload,
    RetryImport,
    CancelImport,
    Deactivate,
    Reactivate,
    Download,

    /// <summary>Bring a pending-delete image back from Recently deleted, within the restore window.</summary>
    Restore,

    /// <summary>Delete now, for good: the customer from Recently deleted, the operator any image (a purge).</summary>
    DeletePermanently,

    /// <summary>Share the image with another account (add a member); a private image becomes shared.</summary>
    Share,

    /// <summary>Stop sharing the image with an account.</summary>
    RemoveMember,

    /// <summary>Accept or reject an image shared with the caller's account (the member's answer).</summary>
    SetMemberStatus,
}

/// <summary>
/// Every rule about who may do what to an image, and the sentence that explains a refusal, in one place. The
/// entity enforces these decisions; pages bind their enabled state and explanations to the same answers.
/// </summary>
public static class ImagePolicy
{
    public const string OnlyOperatorChangesCatalog = "Only the platform operator can change public and community images.";
    public const string CustomersCreatePrivateOnly = "Customers can only upload private images.";
    public const string OnlyOperatorPublishes = "Only the platform operator can make an image public or community.";
    public const string ProtectionExplained = "A protected image cannot be deleted until it is unprotected.";
    public const string ProtectedCannotBeDeleted = "This image is protected. Unprotect it first, then delete it.";
    public const string ActiveDataIsReadOnly = "The data of an active image cannot be changed. Create a new image instead.";
    public const string AlreadyReceivingUpload = "This image is already receiving its data from another upload. Wait for that upload to finish.";

    public const string OnlyOwnerChangesSharedImage =
        "This image is shared with your account: only the account that owns it can change, protect, delete or share it.";
    public const string OnlyMembersAnswer = "Only an account the image is shared with can accept or reject it.";
    public const string OnlySharedImagesHaveMembers =
        "Only shared images have members. Make the image shared first (visibility shared), then add the account.";
    public const string CatalogIsNotShared =
        "Public and community images are available to every account already: only private images are shared.";
    public const string NotSharedWithOwner = "An image cannot be shared with the account that owns it.";
    public const string AcceptBeforeDownload = "Accept the shared image first to download it.";

    public static string AlreadySharedWith(Guid accountId) => $"The image is already shared with the account {accountId:D}.";

    public static string NotAMember(Guid accountId) => $"The image is not shared with the account {accountId:D}.";

    /// <summary>Glance's own words for a customer's download of a deactivated image.</summary>
    public const string DeactivatedDownloadForbidden = "The requested image has been deactivated. Image data download is forbidden.";
    public const string NothingToDownload = "This image has no data to download yet.";

    public const string DeletedDownloadRefused = "This image was deleted. Restore it to download its data.";
    public const string DeletedImageIsReadOnly = "This image was deleted. Restore it first to change it.";
    public const string RestoreWindowPassed = "The time to restore this image has passed; its data is being removed.";
    public const string OnlyDeletedCanBeRestored = "Only a deleted image waiting in Recently deleted can be restored.";
    public const string DeleteFirst =
        "Delete the image first: it then waits in Recently deleted, where it can be deleted permanently.";

    /// <summary>Why an image whose stored data was found broken is not served (checked at every start of the portal).</summary>
    public static string IntegrityRefusal(ImageIntegrity integrity) => integrity switch
    {
        ImageIntegrity.DataMissing =>
            "The image's stored data is missing, so it cannot be downloaded or used; the operator has been told. "
            + "If you still have the original file, create a new image from it.",
        ImageIntegrity.WrongSize =>
            "The image's stored data is not the size it had when it was uploaded (it may be damaged), so it is not served; "
            + "the operator has been told. If you still have the original file, create a new image from it.",
        ImageIntegrity.ChecksumMismatch =>
            "The image's stored data no longer matches the checksum it had when it was uploaded (it is damaged), so it is not served; "
            + "the operator has been told. If you still have the original file, create a new image from it.",
        _ => throw new ArgumentOutOfRangeException(nameof(integrity), integrity, "Only a flagged image is refused."),
    };

    public const string OnlyOperatorVerifies = "Only the platform operator can verify the stored data of images.";

    /// <summary>
    /// May the caller re-read and re-hash stored image data: only the operator, since a check of a large image reads
    /// every byte of it from disk and a customer could otherwise keep the store busy on demand.
    /// </summary>
    public static Decision DecideIntegrityCheck(this Caller caller) =>
        caller.IsOperator ? Decision.Allow : Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorVerifies);

    /// <summary>May the caller verify this image's stored data now (the Verify data button binds to this).</summary>
    public static Decision DecideIntegrityCheck(this Image image, Caller caller)
    {
        if (!caller.CanSee(image))
        {
            return Decision.Refuse(RefusalCode.NotFound, new ImageNotFoundException(image.Id).Message);
        }

        var allowed = caller.DecideIntegrityCheck();
        return !allowed.Allowed || image.HasData
            ? allowed
            : Decision.Refuse(RefusalCode.InvalidState, $"An image that is {image.Status.ToPhrase()} has no stored data to verify.");
    }

    /// <summary>
    /// May <paramref name="caller"/> do <paramref name="action"/> to <paramref name="image"/>, and if not, why. Restore
    /// also depends on the time: given <paramref name="now"/>, a restore after the window is refused.
    /// </summary>
    public static Decision Decide(this Image image, ImageAction action, Caller caller, DateTime? now = null)
    {
        if (!caller.CanSee(image))
        {
            return Decision.Refuse(RefusalCode.NotFound, new ImageNotFoundException(image.Id).Message);
        }

        // An account an image is shared with reads it (once accepted) and answers the share; it never changes the image,
        // the operator's account included: a shared image is its owner's alone.
        if (image.IsAccountOwned() && image.Owner != caller.AccountId)
        {
            return DecideAsMember(image, action, caller);
        }

        // Reading is not changing: whoever sees an image may download it, public images included.
        if (action == ImageAction.Download)
        {
            return Downloadable(image, caller);
        }

        if (action is ImageAction.Deactivate or ImageAction.Reactivate && !caller.IsOperator)
        {
            return Decision.Refuse(RefusalCode.NotAllowed, $"Only the platform operator can {Verb(action)} images.");
        }

        // Public and community images reach every customer: only the operator may change them.
        if (!image.IsAccountOwned() && !caller.IsOperator)
        {
            return Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorChangesCatalog);
        }

        if (action == ImageAction.SetMemberStatus)
        {
            return Decision.Refuse(RefusalCode.NotAllowed, OnlyMembersAnswer);
        }

        if (image.Status == ImageStatus.PendingDelete)
        {
            return DecidePendingDelete(image, action, now);
        }

        return action switch
        {
            // Protection holds on every path to deletion: the customer's, the operator's purge and the scrubber's.
            ImageAction.Delete or ImageAction.DeletePermanently when image.IsProtected =>
                Decision.Refuse(RefusalCode.Protected, ProtectedCannotBeDeleted),
            // The operator purges at once (say, a leaked or malicious image); a customer's way is through Recently deleted.
            ImageAction.DeletePermanently when !caller.IsOperator => Decision.Refuse(RefusalCode.InvalidState, DeleteFirst),
            ImageAction.DeletePermanently or ImageAction.Delete => When(ImageStatusRules.CanTransition(image.Status, ImageStatus.Deleted),
                $"An image that is {image.Status.ToPhrase()} cannot be deleted."),
            ImageAction.Restore => Decision.Refuse(RefusalCode.InvalidState, OnlyDeletedCanBeRestored),
            ImageAction.Share or ImageAction.RemoveMember when !image.IsAccountOwned() =>
                Decision.Refuse(RefusalCode.NotAllowed, CatalogIsNotShared),
            ImageAction.ChangeDiskFormat => When(image.Status == ImageStatus.Queued,
                "The disk format can only be changed before the image's data is uploaded."),
            ImageAction.ExpectData => When(image.Status == ImageStatus.Queued, ExpectDataOnlyWhenQueued),
            ImageAction.Upload => ReceivingData(image),
            ImageAction.RetryImport when image.ImportUrl is null =>
                Decision.Refuse(RefusalCode.InvalidState, "This image was not created from a URL. Upload its data instead."),
            ImageAction.RetryImport => ReceivingData(image),
            ImageAction.CancelImport => When(image.Status == ImageStatus.Importing, "This image is not importing."),
            ImageAction.Deactivate => When(image.Status == ImageStatus.Active, "Only an active image can be deactivated."),
            ImageAction.Reactivate => When(image.Status == ImageStatus.Deactivated, "Only a deactivated image can be reactivated."),
            _ => Decision.Allow,
        };
    }

    /// <summary>
    /// What a member account may do: download once it accepted, answer the share, nothing else. (Glance lets a pending
    /// member download too; here the image is only used once the account said it wants it.)
    /// </summary>
    private static Decision DecideAsMember(Image image, ImageAction action, Caller caller) => action switch
    {
        ImageAction.Download when image.MemberOf(caller.AccountId)?.Status != MemberStatus.Accepted =>
            Decision.Refuse(RefusalCode.NotAllowed, AcceptBeforeDownload),
        ImageAction.Download => Downloadable(image, caller),
        ImageAction.SetMemberStatus => Decision.Allow,
        _ => Decision.Refuse(RefusalCode.NotAllowed, OnlyOwnerChangesSharedImage),
    };

    /// <summary>
    /// A pending-delete image waits in Recently deleted: it can be restored within its window or deleted permanently,
    /// nothing else. Deleting it again answers as for a deleted image (Glance's 404): it is no longer in the lists.
    /// </summary>
    private static Decision DecidePendingDelete(Image image, ImageAction action, DateTime? now) => action switch
    {
        ImageAction.Restore when now is { } at && !image.IsRestorable(at) => Decision.Refuse(RefusalCode.InvalidState, RestoreWindowPassed),
        ImageAction.Restore => Decision.Allow,
        ImageAction.DeletePermanently when image.IsProtected => Decision.Refuse(RefusalCode.Protected, ProtectedCannotBeDeleted),
        ImageAction.DeletePermanently => Decision.Allow,
        ImageAction.Delete => Decision.Refuse(RefusalCode.NotFound, new ImageNotFoundException(image.Id).Message),
        _ => Decision.Refuse(RefusalCode.InvalidState, DeletedImageIsReadOnly),
    };

    /// <summary>
    /// The URL an image was imported from, for callers who may see it: the operator, and the account that owns the
    /// image. A public image's source is the operator's (an internal mirror, a signed link): customers never see it.
    /// </summary>
    public static string? ImportUrlSeenBy(this Image image, Caller caller) =>
        caller.IsOperator || OwnedByCaller.Contains(image, caller) ? image.ImportUrl : null;

    private static readonly ImageScopeRule OwnedByCaller = ImageAccess.Own.Or(ImageAccess.RecentlyDeleted);

    public const string OnlyOperatorSeesCatalogActivity = "Only the platform operator sees the activity of public and community images.";
    public const string OnlyOwnerSeesSharedActivity = "Only the account that owns this image sees its activity.";

    /// <summary>What customers are told did something the operator did: the operator's own address is the platform's business.</summary>
    public const string OperatorSeenByCustomers = "the platform operator";

    /// <summary>
    /// May the caller read the image's activity log: the account that owns the image, and the operator. A customer who
    /// sees a public image sees none of its history (who on the platform uploaded or deactivated it, from where).
    /// </summary>
    public static Decision DecideActivity(this Image image, Caller caller)
    {
        if (!caller.CanSee(image))
        {
            return Decision.Refuse(RefusalCode.NotFound, new ImageNotFoundException(image.Id).Message);
        }

        if (image.IsAccountOwned() && image.Owner != caller.AccountId)
        {
            return Decision.Refuse(RefusalCode.NotAllowed, OnlyOwnerSeesSharedActivity);
        }

        return caller.IsOperator || ImageAccess.Own.Contains(image, caller)
            ? Decision.Allow
            : Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorSeesCatalogActivity);
    }

    /// <summary>Who did what an activity entry records, as <paramref name="viewer"/> is shown it.</summary>
    public static string ActorSeenBy(this Activity.ImageActivity entry, Caller viewer) => entry switch
    {
        { ActorUserId: null } => "the portal",
        { ActorUserId: var id } when id == viewer.UserId => "you",
        // A member account's users are that account's business: the owner sees which account answered, not who.
        { Kind: Activity.ImageActivityKind.MemberAccepted or Activity.ImageActivityKind.MemberRejected or Activity.ImageActivityKind.MemberPending }
            => "a user of that account",
        { ActorIsOperator: true } when !viewer.IsOperator => OperatorSeenByCustomers,
        _ => entry.Actor ?? entry.ActorUserId,
    };

    /// <summary>Throws the refusal <see cref="Decide"/> gives, if any.</summary>
    public static void Enforce(this Image image, ImageAction action, Caller caller, DateTime? now = null)
    {
        var decision = image.Decide(action, caller, now);
        if (decision.Refusal is { } refusal)
        {
            throw refusal.Code == RefusalCode.NotFound ? new ImageNotFoundException(image.Id) : new ImageRuleException(refusal);
        }
    }

    /// <summary>
    /// May the caller create an image with this visibility. A customer's new image is private (sharing it is a
    /// later, deliberate step); the operator publishes.
    /// </summary>
    public static Decision DecideNewVisibility(this Caller? caller, ImageVisibility visibility) =>
        visibility == ImageVisibility.Private || caller?.IsOperator == true
            ? Decision.Allow
            : Decision.Refuse(RefusalCode.NotAllowed, CustomersCreatePrivateOnly);

    /// <summary>
    /// May the caller give an existing image this visibility: public and community images reach every customer,
    /// so only the operator publishes; otherwise a malicious image could be planted in other customers' catalogs.
    /// </summary>
    public static Decision DecideVisibilityChange(this Caller caller, ImageVisibility visibility) =>
        ImageStorage.IsAccountOwned(visibility) || caller.IsOperator
            ? Decision.Allow
            : Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorPublishes);

    /// <summary>Image data may only arrive while the image waits for it; active data is read-only.</summary>
    private static Decision ReceivingData(Image image) => image.Status switch
    {
        ImageStatus.Queued => Decision.Allow,
        ImageStatus.Active or ImageStatus.Deactivated => Decision.Refuse(RefusalCode.InvalidState, ActiveDataIsReadOnly),
        ImageStatus.Saving => Decision.Refuse(RefusalCode.InvalidState, AlreadyReceivingUpload),
        var status => Decision.Refuse(RefusalCode.InvalidState, $"This image cannot receive data while it is {status.ToPhrase()}."),
    };

    /// <summary>
    /// As Glance: a deactivated image's data is kept from customers (it was taken out of use for a reason, say a
    /// vulnerable kernel) but not from the operator; an image without data answers 204, not an error.
    /// </summary>
    private static Decision Downloadable(Image image, Caller caller) => image.Status switch
    {
        ImageStatus.PendingDelete => Decision.Refuse(RefusalCode.InvalidState, DeletedDownloadRefused),
        // Broken data is never served, to the operator neither: a truncated disk would boot into a corrupt file system.
        _ when image.HasData && image.Integrity.IsFlagged() => Decision.Refuse(RefusalCode.InvalidState, IntegrityRefusal(image.Integrity)),
        ImageStatus.Active => Decision.Allow,
        ImageStatus.Deactivated when caller.IsOperator => Decision.Allow,
        ImageStatus.Deactivated => Decision.Refuse(RefusalCode.NotAllowed, DeactivatedDownloadForbidden),
        _ when !image.HasData => Decision.Refuse(RefusalCode.NoData, NothingToDownload),
        var status => Decision.Refuse(RefusalCode.InvalidState, $"An image that is {status.ToPhrase()} cannot be downloaded."),
    };

    public const string ExpectDataOnlyWhenQueued =
        "The expected checksum and decompression are about the data still to come: they can only be set or removed while the image is queued.";

    private static Decision When(bool allowed, string reason) =>
        allowed ? Decision.Allow : Decision.Refuse(RefusalCode.InvalidState, reason);

    private static string Verb(ImageAction action) => action.ToString().ToLowerInvariant();
}
