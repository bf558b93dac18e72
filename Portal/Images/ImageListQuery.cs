using Portal.Images.Sharing;
using Portal.Rules;

namespace Portal.Images;

/// <summary>Which visibility an Image API list asks for (Glance's <c>visibility</c> filter).</summary>
public enum VisibilityFilter
{
    /// <summary>No filter: the caller's own images and the public ones; community images only when asked for.</summary>
    Default,
    Public,
    Private,
    Shared,
    Community,
    All,
}

/// <summary>The sort keys of the Image API list.</summary>
public enum ImageSortKey
{
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Size,
    Id,
    CreatedAt,
    UpdatedAt,
    Visibility,
}

/// <summary>One sort key and its direction.</summary>
public sealed record ImageSortOrder(ImageSortKey Key, bool Descending);

/// <summary>
/// One page of the Image API list: filters, sort and marker paging, all applied by the database. The page holds one
/// more than <see cref="Limit"/> is asked for only to tell whether a next page exists.
/// </summary>
public sealed record ImageListQuery
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 1000;

    public VisibilityFilter Visibility { get; init; } = VisibilityFilter.Default;
    public string? Name { get; init; }
    public ImageStatus? Status { get; init; }
    public DiskFormat? DiskFormat { get; init; }
    public ContainerFormat? ContainerFormat { get; init; }
    public Guid? Owner { get; init; }
    public bool? IsProtected { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// Glance's <c>member_status</c>: which images shared with the caller's account are listed, by its answer;
    /// accepted by default, null for all.
    /// </summary>
    public MemberStatus? MemberStatus { get; init; } = Sharing.MemberStatus.Accepted;

    /// <summary>Glance's default: newest first.</summary>
    public IReadOnlyList<ImageSortOrder> Sort { get; init; } = [new(ImageSortKey.CreatedAt, Descending: true)];

    /// <summary>The last image of the previous page; the page starts after it.</summary>
    public Guid? Marker { get; init; }

    public int Limit { get; init; } = DefaultLimit;

    /// <summary>
    /// The scope a visibility filter lists, from the one set of access rules. Images shared with the caller's account
    /// are listed as Glance lists them: by default and for <c>shared</c> and <c>all</c>, those whose membership has
    /// <paramref name="memberStatus"/> (accepted unless asked otherwise; null: any).
    /// </summary>
    public static ImageScopeRule ScopeOf(VisibilityFilter visibility, MemberStatus? memberStatus = Sharing.MemberStatus.Accepted)
    {
        var sharedWithMe = memberStatus is { } status ? ImageAccess.SharedWithMeAs(status) : ImageAccess.SharedWithMe;
        return visibility switch
        {
            VisibilityFilter.Default => ImageAccess.Own.Or(ImageAccess.Public).Or(sharedWithMe),
            VisibilityFilter.Public => ImageAccess.Public,
            VisibilityFilter.Community => ImageAccess.Community,
            VisibilityFilter.Private => ImageAccess.Own.And(i => i.Visibility == ImageVisibility.Private),
            VisibilityFilter.Shared => ImageAccess.Own.And(i => i.Visibility == ImageVisibility.Shared).Or(sharedWithMe),
            VisibilityFilter.All => ImageAccess.Own.Or(ImageAccess.Catalog).Or(sharedWithMe),
            _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
        };
    }

    /// <summary>
    /// The scope this query lists. The default listing never shows pending-delete images (they are deleted as far as
    /// the clients know); asking for <c>status=pending_delete</c> lists the recently deleted images the caller could
    /// restore, narrowed by an explicit visibility.
    /// </summary>
    public ImageScopeRule Scope => Status == ImageStatus.PendingDelete
        ? Visibility switch
        {
            VisibilityFilter.Default or VisibilityFilter.All => ImageAccess.RecentlyDeleted,
            VisibilityFilter.Public => ImageAccess.RecentlyDeleted.And(i => i.Visibility == ImageVisibility.Public),
            VisibilityFilter.Community => ImageAccess.RecentlyDeleted.And(i => i.Visibility == ImageVisibility.Community),
            VisibilityFilter.Private => ImageAccess.RecentlyDeleted.And(i => i.Visibility == ImageVisibility.Private),
            VisibilityFilter.Shared => ImageAccess.RecentlyDeleted.And(i => i.Visibility == ImageVisibility.Shared),
            _ => throw new ArgumentOutOfRangeException(nameof(Visibility)),
        }
        : ScopeOf(Visibility, MemberStatus);

    public static string MarkerNotFound(Guid marker) => $"The marker {marker} is not an image you can see in this list.";

    public static Refusal LimitRefusal { get; } = new(RefusalCode.Invalid, "The limit must be a whole number of 0 or more.");
}

/// <summary>A page of the Image API list; <see cref="NextMarker"/> is set when more images follow.</summary>
public sealed record ImageListPage(IReadOnlyList<Image> Items, Guid? NextMarker);
