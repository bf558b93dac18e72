namespace Portal.Images;

/// <summary>
/// Whether an image's stored data is still what was stored, beside its Glance status (the statuses stay Glance's):
/// a missing or truncated file does not make an image any less active in Glance's terms, but it must not be served.
/// </summary>
public enum ImageIntegrity
{
    /// <summary>Nobody has looked at the stored data since it was stored (or the image has none).</summary>
    Unchecked,

    /// <summary>The stored data was there, of the recorded size, when last checked.</summary>
    Intact,

    /// <summary>The store has no data for an image that should have some.</summary>
    DataMissing,

    /// <summary>The stored data is not as long as the recorded size (truncated, or replaced behind the portal's back).</summary>
    WrongSize,

    /// <summary>The stored data is of the recorded size, but its SHA-512 is no longer the one computed when it arrived (bit rot).</summary>
    ChecksumMismatch,
}

public static class ImageIntegrityNames
{
    /// <summary>The Image API's extra property that carries the state: reserved, so no custom property can fake it.</summary>
    public const string ApiProperty = "os_portal_integrity";

    /// <summary>Found broken: the data is never served and the customer is told.</summary>
    public static bool IsFlagged(this ImageIntegrity integrity) => integrity is ImageIntegrity.DataMissing or ImageIntegrity.WrongSize or ImageIntegrity.ChecksumMismatch;

    /// <summary>The wire name in the Image API's <c>os_portal_integrity</c> ("data_missing").</summary>
    public static string ToApiName(this ImageIntegrity integrity) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(integrity.ToString());

    /// <summary>What was found, for the warning on the image's page (why it is not served is the download rule's sentence).</summary>
    public static string Finding(this ImageIntegrity integrity) => integrity switch
    {
        ImageIntegrity.DataMissing => "The image store has no data for this image.",
        ImageIntegrity.WrongSize => "The stored data is not the size recorded when it arrived.",
        ImageIntegrity.ChecksumMismatch => "The stored data no longer matches the SHA-512 computed when it arrived.",
        _ => throw new ArgumentOutOfRangeException(nameof(integrity), integrity, "Only a flagged image has a finding."),
    };

    /// <summary>A short label for people ("Data missing").</summary>
    public static string ToDisplayName(this ImageIntegrity integrity) => integrity switch
    {
        ImageIntegrity.DataMissing => "Data missing",
        ImageIntegrity.WrongSize => "Wrong size",
        ImageIntegrity.ChecksumMismatch => "Checksum mismatch",
        _ => integrity.ToString(),
    };
}
