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
}

public sealed record ImagePage(IReadOnlyList<Image> Items, int TotalCount);
