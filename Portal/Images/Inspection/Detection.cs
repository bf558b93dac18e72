namespace Portal.Images.Inspection;

/// <summary>One format's opinion of the bytes seen so far.</summary>
internal readonly record struct Detection(DetectedFormat Format, long? VirtualSize, string? UnsafeReason, string? Variant = null)
{
    public static Detection Unsafe(DetectedFormat format, string reason) => new(format, null, reason);

    public static Detection Invalid(DetectedFormat format, string why) =>
        Unsafe(format, $"The {format.ShortName()} image is invalid: {why}.");

    /// <summary>At the end of the data a missing structure means a broken image; before it, the structure is just not here yet.</summary>
    public static Detection Incomplete(DetectedFormat format, bool endOfData, string part) => endOfData
        ? Unsafe(format, $"The {format.ShortName()} image is truncated: the file ends before its {part} is complete.")
        : new(format, null, null);

    /// <summary>A table the header points to is not within the bytes received: the file was cut short or the pointer lies.</summary>
    public static Detection Truncated(DetectedFormat format, string part) =>
        Unsafe(format, $"The image is truncated or corrupt: the {format.ShortName()} {part} ends past the end of the file.");

    /// <summary>Whether [offset, offset + length) lies within a file of <paramref name="total"/> bytes, without overflowing.</summary>
    public static bool IsWithin(ulong offset, ulong length, long total) =>
        offset <= (ulong)total && length <= (ulong)total - offset;

    /// <summary>Sizes come from untrusted 64-bit fields; anything a long cannot hold is a lie.</summary>
    public static bool TryGetSize(ulong bytes, out long size) => TryGetSize(bytes, 1, out size);

    public static bool TryGetSize(ulong units, int unitSize, out long size)
    {
        var fits = units <= (ulong)(long.MaxValue / unitSize);
        size = fits ? (long)units * unitSize : 0;
        return fits;
    }

    public InspectionResult ToResult() => new(Format, VirtualSize, UnsafeReason) { Variant = Variant };
}
