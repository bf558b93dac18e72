namespace Portal.Images.Sharing;

/// <summary>Where an account stands on an image shared with it (Glance's member status).</summary>
public enum MemberStatus
{
    /// <summary>Shared with the account, which has not answered yet.</summary>
    Pending,

    /// <summary>The account accepted: the image is listed with its images and may be downloaded.</summary>
    Accepted,

    /// <summary>The account declined; it can still accept later, as in Glance.</summary>
    Rejected,
}

/// <summary>
/// An account an image is shared with (an image member in the Image API): its users see the image and, once accepted,
/// may download it, but never change it. The image's owner adds and removes members; only the member answers.
/// </summary>
public sealed class ImageMember
{
    private ImageMember()
    {
    }

    public Guid ImageId { get; private set; }

    /// <summary>The account the image is shared with (the member id of the Image API, a project id to the clients).</summary>
    public Guid MemberId { get; private set; }

    public MemberStatus Status { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    internal static ImageMember Create(Guid imageId, Guid memberId, DateTime now) => new()
    {
        ImageId = imageId,
        MemberId = memberId,
        Status = MemberStatus.Pending,
        CreatedAt = now,
        UpdatedAt = now,
    };

    internal void SetStatus(MemberStatus status, DateTime now)
    {
        Status = status;
        UpdatedAt = now;
    }

    internal ImageMember Copy() => (ImageMember)MemberwiseClone();

    /// <summary>A member whose share was taken away, as it was (accepted), for who could see the image before.</summary>
    internal static ImageMember Former(Guid imageId, Guid memberId) => new() { ImageId = imageId, MemberId = memberId, Status = MemberStatus.Accepted };
}

public static class MemberStatusNames
{
    /// <summary>The Image API's name of a status: pending, accepted, rejected.</summary>
    public static string ToApiName(this MemberStatus status) => status.ToString().ToLowerInvariant();

    public static MemberStatus? ParseApiName(string? value) => value switch
    {
        "pending" => MemberStatus.Pending,
        "accepted" => MemberStatus.Accepted,
        "rejected" => MemberStatus.Rejected,
        _ => null,
    };

    /// <summary>How the pages name a status.</summary>
    public static string ToDisplayName(this MemberStatus status) => status.ToString();
}
