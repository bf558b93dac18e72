namespace Portal.Images.Inspection;

/// <param name="Format">What the bytes are.</param>
/// <param name="VirtualSize">The disk size a guest sees, in bytes, where the format records one; for raw data the length when known.</param>
/// <param name="UnsafeReason">Null when the image is safe to hand to a hypervisor; otherwise a sentence a customer understands.</param>
public sealed record InspectionResult(DetectedFormat Format, long? VirtualSize, string? UnsafeReason)
{
    /// <summary>A finer description where it helps a person: "GPT partition table", "streamOptimized", "compat 1.1".</summary>
    public string? Variant { get; init; }

    public bool IsSafe => UnsafeReason is null;

    public string DisplayName => Format.DisplayName();

    /// <summary>"qcow2 (compat 1.1)", "raw (GPT partition table)": what the details page shows.</summary>
    public string Description => Variant is null ? DisplayName : $"{DisplayName} ({Variant})";
}
