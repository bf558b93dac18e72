namespace Portal.Images.Inspection;

/// <param name="Accepted">Whether the image may be stored under the declared format.</param>
/// <param name="RefusalReason">Null when accepted; otherwise a sentence a customer understands.</param>
/// <param name="VirtualSize">The virtual size to record when accepted.</param>
public sealed record FormatVerdict(bool Accepted, string? RefusalReason, long? VirtualSize)
{
    internal static FormatVerdict Accept(long? virtualSize) => new(true, null, virtualSize);

    internal static FormatVerdict Refuse(string reason) => new(false, reason, null);
}
