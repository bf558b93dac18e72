namespace Portal.Images;

public enum ImageScope
{
    /// <summary>The caller's account's own private images.</summary>
    Private,

    /// <summary>The platform's public catalog.</summary>
    Public,

    /// <summary>Deleted images that can still be restored (pending delete).</summary>
    RecentlyDeleted,

    /// <summary>Other accounts' images shared with the caller's account, pending, accepted or rejected.</summary>
    SharedWithMe,
}

public enum ImageSort
{
    Created,
    Name,
    Size,
    Status,
    DiskFormat,
    OperatingSystem,
}

/// <summary>One page of an image list; everything here is applied by the database.</summary>
public sealed record ImageQuery
{
    public const int MaxPageSize = 100;

    public ImageScope Scope { get; init; } = ImageScope.Private;
    public string? NameContains { get; init; }
    public ImageStatus? Status { get; init; }
    public DiskFormat? DiskFormat { get; init; }

    /// <summary>Only images carrying this tag (exactly, as the Image API's <c>tag</c> filter).</summary>
    public string? Tag { get; init; }

    public ImageSort SortBy { get; init; } = ImageSort.Created;
    public bool Descending { get; init; } = true;

    /// <summary>Zero-based page number.</summary>
    public int Page { get; init; }

    public int PageSize { get; init; } = 25;

    /// <summary>
    /// Whether the page also counts every image the filters match. A page turn of the same filters can do without:
    /// the count is the one part of a page whose cost grows with the size of the account.
    /// </summary>
    public bool CountTotal { get; init; } = true;
}

/// <param name="TotalCount">How many images the filters match; null when the query did not ask.</param>
public sealed record ImagePage(IReadOnlyList<Image> Items, int? TotalCount);
