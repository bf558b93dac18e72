namespace Portal.Images.Inspection;

/// <summary>Glance's rule for matching a declared disk format against what the bytes are.</summary>
public static class FormatDecision
{
    public static FormatVerdict Decide(DiskFormat declared, InspectionResult detected)
    {
        ArgumentNullException.ThrowIfNull(detected);

        if (detected.UnsafeReason is not null)
        {
            return FormatVerdict.Refuse(detected.UnsafeReason);
        }

        if (detected.Format.ToDiskFormat() == declared)
        {
            return FormatVerdict.Accept(detected.VirtualSize);
        }

        // Nothing can check ami/ari/aki content, so like Glance only plain data is let through: anything with a
        // recognisable header under such a label is a disguised image. ploop also takes plain data (a raw ploop delta)
        // besides the Parallels images ToDiskFormat already matches.
        if (IsUninspectable(declared) && detected.Format == DetectedFormat.Raw)
        {
            return FormatVerdict.Accept(detected.VirtualSize);
        }

        // A hypervisor told "raw" reads a qcow2 header as disk data, and one told "qcow2" follows the header:
        // either way the customer gets something other than what the label says.
        return FormatVerdict.Refuse($"Declared {declared.ToApiName()}, but the data is {detected.Format.WithArticle()}.");
    }

    private static bool IsUninspectable(DiskFormat declared) => declared.IsOpaque() || declared == DiskFormat.Ploop;
}
