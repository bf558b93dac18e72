using Portal.Accounts;
using Portal.Data;
using Portal.Formatting;

namespace Portal.Images.Activity;

/// <summary>
/// The one way entries get into an image's activity log. An entry is added to the context that saves the change it
/// describes, so it exists exactly when the change was saved: a refused or conflicting save takes its entry with it.
/// </summary>
public static class ImageActivityLog
{
    public static ImageActivity RecordActivity(
        this PortalDbContext db, Guid imageId, ImageActivityKind kind, Caller? actor, DateTime at, string? detail = null)
    {
        var entry = ImageActivity.Record(imageId, kind, actor, at, detail);
        db.ImageActivities.Add(entry);
        return entry;
    }

    /// <summary>The detail of a named action, from the image as the action left it (null: the title says it all).</summary>
    public static string? DetailOf(ImageActivityKind kind, Image image) => kind switch
    {
        ImageActivityKind.ImportStarted => image.ImportUrl,
        ImageActivityKind.Deleted when image is { Status: ImageStatus.PendingDelete, RestorableUntil: { } until } =>
            $"moved to Recently deleted, restorable until {Format.Timestamp(until)}",
        ImageActivityKind.Restored => $"{image.Status.ToPhrase()} again, with its data",
        _ => null,
    };

    /// <summary>What arrived, for Upload finished and Import finished ("2.9 MB, qcow2 (compat 1.1)").</summary>
    public static string DataDetail(long size, string? detectedFormat) =>
        detectedFormat is null ? Format.Bytes(size) : $"{Format.Bytes(size)}, {detectedFormat}";

    /// <summary>Records the outcome of a check of the image's stored data ("intact", "checksum mismatch").</summary>
    public static ImageActivity RecordIntegrityChecked(this PortalDbContext db, Image image, Caller? actor, DateTime at) =>
        db.RecordActivity(image.Id, ImageActivityKind.IntegrityChecked, actor, at, IntegrityDetail(image.Integrity));

    /// <summary>What a check found, as the log says it.</summary>
    public static string IntegrityDetail(ImageIntegrity integrity) => integrity == ImageIntegrity.Unchecked
        ? "the data is back at its recorded size and will be re-hashed"
        : integrity.ToDisplayName().ToLowerInvariant();

    /// <summary>
    /// Records what a change of <paramref name="after"/> did to its protection and descriptive fields compared with
    /// <paramref name="before"/>: Protected / Unprotected, and one Edited entry naming the fields. Nothing when nothing
    /// changed (an edit that re-saves the same values is not activity).
    /// </summary>
    public static void RecordEdits(this PortalDbContext db, Image before, Image after, Caller actor, DateTime at)
    {
        var fields = EditedFields(before, after);
        if (fields.Count > 0)
        {
            db.RecordActivity(after.Id, ImageActivityKind.Edited, actor, at, string.Join(", ", fields));
        }

        if (before.IsProtected != after.IsProtected)
        {
            db.RecordActivity(after.Id, after.IsProtected ? ImageActivityKind.Protected : ImageActivityKind.Unprotected, actor, at);
        }
    }

    /// <summary>The fields people edit that differ, named as the edit form labels them, in the form's order.</summary>
    public static IReadOnlyList<string> EditedFields(Image before, Image after)
    {
        var fields = new List<string>();
        Compare(before.Name, after.Name, "name");
        Compare(before.Description, after.Description, "description");
        Compare(before.OsDistro, after.OsDistro, "operating system");
        Compare(before.OsVersion, after.OsVersion, "version");
        Compare(before.DiskFormat, after.DiskFormat, "disk format");
        Compare(before.ContainerFormat, after.ContainerFormat, "container format");
        Compare(before.MinDiskGb, after.MinDiskGb, "minimum disk");
        Compare(before.MinRamMb, after.MinRamMb, "minimum RAM");
        Compare(before.Visibility, after.Visibility, "visibility");
        // Which tags and properties changed, so the log says more than "properties" (e.g. the rescue switch's two keys).
        var tags = before.Tags.Except(after.Tags, StringComparer.Ordinal).Concat(after.Tags.Except(before.Tags, StringComparer.Ordinal)).ToList();
        if (tags.Count > 0)
        {
            fields.Add($"tags ({string.Join(", ", tags)})");
        }

        var keys = before.Properties.Keys.Union(after.Properties.Keys, StringComparer.Ordinal)
            .Where(key => before.Properties.GetValueOrDefault(key) != after.Properties.GetValueOrDefault(key))
            .ToList();
        if (keys.Count > 0)
        {
            fields.Add($"properties ({string.Join(", ", keys)})");
        }

        return fields;

        void Compare<T>(T was, T now, string field)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now))
            {
                fields.Add(field);
            }
        }
    }
}
