namespace Portal.Images;

/// <summary>Image lifecycle states, named as in the OpenStack Image API v2.</summary>
public enum ImageStatus
{
    Queued,
    Saving,
    Importing,
    Active,
    Killed,
    Deactivated,
    PendingDelete,
    Deleted,
}

public static class ImageStatusRules
{
    // Glance's transition table (glance/domain/__init__.py), plus its "failed upload goes back to queued" rule.
    // One addition: importing → killed, so that an import from a URL that can never work (404, a forbidden
    // address) ends the way a broken upload does in Glance, with the reason on the image.
    // Two more for Recently deleted: a deactivated image can be deleted into pending_delete too, and restoring it
    // gives it back deactivated (Glance only restores pending_delete → active, through an administrator's command).
    private static readonly Dictionary<ImageStatus, ImageStatus[]> Allowed = new()
    {
        [ImageStatus.Queued] = [ImageStatus.Saving, ImageStatus.Importing, ImageStatus.Active, ImageStatus.Deleted],
        [ImageStatus.Saving] = [ImageStatus.Active, ImageStatus.Killed, ImageStatus.Deleted, ImageStatus.Queued],
        [ImageStatus.Importing] = [ImageStatus.Active, ImageStatus.Deleted, ImageStatus.Queued, ImageStatus.Killed],
        [ImageStatus.Active] = [ImageStatus.PendingDelete, ImageStatus.Deleted, ImageStatus.Deactivated],
        [ImageStatus.Killed] = [ImageStatus.Deleted],
        [ImageStatus.PendingDelete] = [ImageStatus.Deleted, ImageStatus.Active, ImageStatus.Deactivated],
        [ImageStatus.Deactivated] = [ImageStatus.Active, ImageStatus.Deleted, ImageStatus.PendingDelete],
        [ImageStatus.Deleted] = [],
    };

    public static bool CanTransition(ImageStatus from, ImageStatus to) => Allowed[from].Contains(to);

    /// <summary>Data is on its way in: an upload (saving) or a URL import (importing).</summary>
    public static bool IsReceivingData(this ImageStatus status) => status is ImageStatus.Saving or ImageStatus.Importing;

    public static IReadOnlyList<ImageStatus> NextStates(ImageStatus from) => Allowed[from];

    /// <summary>The wire name used by the OpenStack Image API ("pending_delete").</summary>
    public static string ToApiName(this ImageStatus status) => status switch
    {
        ImageStatus.PendingDelete => "pending_delete",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>A short word for people ("Pending delete").</summary>
    public static string ToDisplayName(this ImageStatus status) => status switch
    {
        ImageStatus.PendingDelete => "Pending delete",
        _ => status.ToString(),
    };

    /// <summary>The status inside a sentence ("an image that is pending delete").</summary>
    public static string ToPhrase(this ImageStatus status) => status.ToDisplayName().ToLowerInvariant();
}
