namespace Portal.Images.Activity;

/// <summary>How an activity entry reads on the details page ("Upload refused: …", "Edited: name, description").</summary>
public static class ImageActivityWords
{
    public static string Title(this ImageActivityKind kind) => kind switch
    {
        ImageActivityKind.Created => "Created",
        ImageActivityKind.UploadStarted => "Upload started",
        ImageActivityKind.UploadFinished => "Upload finished",
        ImageActivityKind.UploadRefused => "Upload refused",
        ImageActivityKind.UploadFailed => "Upload stopped",
        ImageActivityKind.ImportStarted => "Import started",
        ImageActivityKind.ImportRestarted => "Import started again after the portal restarted",
        ImageActivityKind.ImportFinished => "Import finished",
        ImageActivityKind.ImportFailed => "Import failed",
        ImageActivityKind.ImportCancelled => "Import cancelled",
        ImageActivityKind.Protected => "Protected",
        ImageActivityKind.Unprotected => "Unprotected",
        ImageActivityKind.Edited => "Edited",
        ImageActivityKind.Deactivated => "Deactivated",
        ImageActivityKind.Reactivated => "Reactivated",
        ImageActivityKind.Deleted => "Deleted",
        ImageActivityKind.Restored => "Restored",
        ImageActivityKind.DeletedPermanently => "Deleted permanently",
        ImageActivityKind.Scrubbed => "Removed for good after the restore window ended",
        ImageActivityKind.IntegrityChecked => "Integrity check",
        ImageActivityKind.MemberAdded => "Shared with an account",
        ImageActivityKind.MemberRemoved => "No longer shared with an account",
        ImageActivityKind.MemberAccepted => "Share accepted",
        ImageActivityKind.MemberRejected => "Share rejected",
        ImageActivityKind.MemberPending => "Share set back to pending",
        _ => kind.ToString(),
    };

    /// <summary>What happened, in one line: the title, and the detail after a colon when there is one.</summary>
    public static string Describe(this ImageActivity entry) =>
        entry.Detail is { } detail ? $"{entry.Kind.Title()}: {detail}" : entry.Kind.Title();

    /// <summary>Whether the entry is bad news about the image (shown in the warning colour).</summary>
    public static bool IsWarning(this ImageActivity entry) =>
        entry.Kind is ImageActivityKind.UploadRefused or ImageActivityKind.UploadFailed or ImageActivityKind.ImportFailed
        || (entry.Kind == ImageActivityKind.IntegrityChecked
            && Enum.GetValues<ImageIntegrity>().Any(i => i.IsFlagged() && ImageActivityLog.IntegrityDetail(i) == entry.Detail));
}
