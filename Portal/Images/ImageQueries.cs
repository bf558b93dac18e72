namespace Portal.Images;

/// <summary>The image rules that queries need, written once in a form EF Core turns into SQL.</summary>
public static class ImageQueries
{
    /// <summary>Private and shared images: <see cref="ImageFormatNames.IsPrivate"/> for the database.</summary>
    public static IQueryable<Image> Private(this IQueryable<Image> images) =>
        images.Where(i => i.Visibility == ImageVisibility.Private || i.Visibility == ImageVisibility.Shared);

    /// <summary>Private images whose data occupies their account's storage now.</summary>
    public static IQueryable<Image> OccupyingStorage(this IQueryable<Image> images) =>
        images.Private().Where(i => i.Size != null && i.Status != ImageStatus.Deleted);
}
