using System.Linq.Expressions;

namespace Portal.Images;

/// <summary>Which images belong to an account's own storage, written once for the database and for memory.</summary>
public static class ImageStorage
{
    /// <summary>
    /// Private and shared images are their account's own: listed under Private images, billed by the GB-hour and
    /// held to the account's storage quota. Public and community images are the operator's catalog.
    /// </summary>
    private static readonly ImageVisibility[] AccountOwnedVisibilities = [ImageVisibility.Private, ImageVisibility.Shared];

    public static Expression<Func<Image, bool>> AccountOwned { get; } = i => AccountOwnedVisibilities.Contains(i.Visibility);

    /// <summary>Account-owned images whose data occupies storage now: what counts against the quota and is billed.</summary>
    public static Expression<Func<Image, bool>> Occupying { get; } =
        AccountOwned.AndAlso(i => i.Size != null && i.Status != ImageStatus.Deleted);

    private static readonly Func<Image, bool> OccupiesStorageCompiled = Occupying.Compile();

    /// <summary>Whether an image of this visibility will count against its account's quota once it has data.</summary>
    public static bool IsAccountOwned(ImageVisibility visibility) => AccountOwnedVisibilities.Contains(visibility);

    public static bool IsAccountOwned(this Image image) => IsAccountOwned(image.Visibility);

    public static bool OccupiesStorage(this Image image) => OccupiesStorageCompiled(image);

    public static IQueryable<Image> AccountOwnedOnly(this IQueryable<Image> images) => images.Where(AccountOwned);

    public static IQueryable<Image> OccupyingStorage(this IQueryable<Image> images) => images.Where(Occupying);

    /// <summary>Both predicates over the same parameter, as EF Core needs them.</summary>
    internal static Expression<Func<T, bool>> AndAlso<T>(this Expression<Func<T, bool>> first, Expression<Func<T, bool>> second)
    {
        var body = new ParameterSwap(second.Parameters[0], first.Parameters[0]).Visit(second.Body);
        return Expression.Lambda<Func<T, bool>>(Expression.AndAlso(first.Body, body), first.Parameters);
    }
}

/// <summary>Puts one expression in place of a parameter: how two predicates are joined into one.</summary>
internal sealed class ParameterSwap(ParameterExpression from, Expression to) : ExpressionVisitor
{
    protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
}
