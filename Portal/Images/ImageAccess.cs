using System.Linq.Expressions;
using Portal.Accounts;
using Portal.Images.Sharing;

namespace Portal.Images;

/// <summary>
/// Who sees which image, written once. Each scope is one expression: EF Core turns it into SQL for the lists,
/// and its compiled form answers for a single image (the details page, the upload endpoint, live events), so a
/// list and a details page can never disagree.
/// </summary>
public static class ImageAccess
{
    /// <summary>The catalog scopes in a sentence, for the operator's pages.</summary>
    public const string CustomersSeeActiveOnly = "Customers see public and community images only while they are active.";

    /// <summary>
    /// The caller's account's own private (and shared) images, in every status but deleted and pending delete (those
    /// are under <see cref="RecentlyDeleted"/>).
    /// </summary>
    public static ImageScopeRule Own { get; } = new ImageScopeRule((i, c) =>
        i.Owner == c.AccountId && i.Status != ImageStatus.Deleted && i.Status != ImageStatus.PendingDelete).And(ImageStorage.AccountOwned);

    /// <summary>
    /// Public images: customers see the ones they can use (active); the operator also sees what is on its way or
    /// taken out of use.
    /// </summary>
    public static ImageScopeRule Public { get; } = new((i, c) =>
        i.Visibility == ImageVisibility.Public
        && (c.IsOperator ? i.Status != ImageStatus.Deleted && i.Status != ImageStatus.PendingDelete : i.Status == ImageStatus.Active));

    /// <summary>Community images: listed like public ones, for everybody who may use them.</summary>
    public static ImageScopeRule Community { get; } = new((i, c) =>
        i.Visibility == ImageVisibility.Community
        && (c.IsOperator ? i.Status != ImageStatus.Deleted && i.Status != ImageStatus.PendingDelete : i.Status == ImageStatus.Active));

    /// <summary>The platform's catalog (the Public images tab): public and community images together.</summary>
    public static ImageScopeRule Catalog { get; } = Public.Or(Community);

    /// <summary>
    /// Deleted images that can still be restored (pending delete): the caller's account's own, and for the operator
    /// also the catalog's. Customers never see a deleted catalog image.
    /// </summary>
    public static ImageScopeRule RecentlyDeleted { get; } = new ImageScopeRule((i, c) =>
            i.Status == ImageStatus.PendingDelete && i.Owner == c.AccountId).And(ImageStorage.AccountOwned)
        .Or(new ImageScopeRule((i, c) => i.Status == ImageStatus.PendingDelete && c.IsOperator
            && (i.Visibility == ImageVisibility.Public || i.Visibility == ImageVisibility.Community)));

    /// <summary>
    /// Other accounts' images shared with the caller's account, whatever it answered (the Shared with me tab; the
    /// details page, so that a pending or rejected share can be answered from there). Deleted ones are gone for members.
    /// </summary>
    public static ImageScopeRule SharedWithMe { get; } = new((i, c) =>
        i.Visibility == ImageVisibility.Shared && i.Owner != c.AccountId
        && i.Status != ImageStatus.Deleted && i.Status != ImageStatus.PendingDelete
        && i.Members.Any(m => m.MemberId == c.AccountId));

    /// <summary>Images shared with the caller's account that it answered with <paramref name="status"/>.</summary>
    public static ImageScopeRule SharedWithMeAs(MemberStatus status) => new((i, c) =>
        i.Visibility == ImageVisibility.Shared && i.Owner != c.AccountId
        && i.Status != ImageStatus.Deleted && i.Status != ImageStatus.PendingDelete
        && i.Members.Any(m => m.MemberId == c.AccountId && m.Status == status));

    /// <summary>Shared images the caller's account accepted: listed with its images, as Glance lists them.</summary>
    public static ImageScopeRule SharedAccepted { get; } = SharedWithMeAs(MemberStatus.Accepted);

    /// <summary>What the lists show: the caller's own images, accepted shared ones and the catalog, without recently deleted ones.</summary>
    public static ImageScopeRule Listed { get; } = Own.Or(Catalog).Or(SharedAccepted);

    /// <summary>
    /// Every image the caller may see at all, recently deleted ones included (their details page still opens for the
    /// owner) and every image shared with the caller's account; any other id answers exactly like a missing one.
    /// </summary>
    public static ImageScopeRule Visible { get; } = Listed.Or(RecentlyDeleted).Or(SharedWithMe);

    /// <summary>The rule behind a tab of the Images page.</summary>
    public static ImageScopeRule Of(ImageScope scope) => scope switch
    {
        ImageScope.Private => Own,
        ImageScope.Public => Catalog,
        ImageScope.RecentlyDeleted => RecentlyDeleted,
        ImageScope.SharedWithMe => SharedWithMe,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    /// <summary>Whether the image is another account's, shared with the caller's (whatever it answered).</summary>
    public static bool IsSharedWith(this Caller caller, Image image) => SharedWithMe.Contains(image, caller);

    /// <summary>Whether the caller may see the image.</summary>
    public static bool CanSee(this Caller caller, Image image) => Visible.Contains(image, caller);

    /// <summary>The caller's view of a set of images, for the database.</summary>
    public static IQueryable<Image> In(this IQueryable<Image> images, ImageScopeRule scope, Caller caller) =>
        images.Where(scope.For(caller));
}

/// <summary>One scope of images, as an expression over (image, caller).</summary>
public sealed class ImageScopeRule
{
    private readonly Expression<Func<Image, Caller, bool>> _rule;
    private readonly Func<Image, Caller, bool> _compiled;
    private readonly IReadOnlyList<ImageScopeRule>? _terms;

    internal ImageScopeRule(Expression<Func<Image, Caller, bool>> rule)
        : this(rule, null)
    {
    }

    private ImageScopeRule(Expression<Func<Image, Caller, bool>> rule, IReadOnlyList<ImageScopeRule>? terms)
    {
        _rule = rule;
        _compiled = rule.Compile();
        _terms = terms;
    }

    /// <summary>
    /// The scopes this one is the union of (itself when it is no union), each the same rule as far as it goes: a list
    /// sorted by an index reads the first rows of each term in order, where one query over their OR would sort them all.
    /// </summary>
    public IReadOnlyList<ImageScopeRule> Terms => _terms ?? [this];

    /// <summary>The scope of one caller, for <c>IQueryable.Where</c>.</summary>
    public Expression<Func<Image, bool>> For(Caller caller)
    {
        // The caller goes in the way a C# closure does (a field of a constant object), so EF Core sends its
        // values as SQL parameters and caches one query plan for every caller.
        var captured = Expression.Field(Expression.Constant(new CapturedCaller(caller)), nameof(CapturedCaller.Value));
        var body = new ParameterSwap(_rule.Parameters[1], captured).Visit(_rule.Body);
        return Expression.Lambda<Func<Image, bool>>(body, _rule.Parameters[0]);
    }

    /// <summary>The same rule for one image in memory.</summary>
    public bool Contains(Image image, Caller caller) => _compiled(image, caller);

    /// <summary>Images in this scope or the other.</summary>
    public ImageScopeRule Or(ImageScopeRule other)
    {
        var (image, caller) = (_rule.Parameters[0], _rule.Parameters[1]);
        var otherBody = new ParameterSwap(other._rule.Parameters[0], image).Visit(
            new ParameterSwap(other._rule.Parameters[1], caller).Visit(other._rule.Body));
        return new ImageScopeRule(Expression.Lambda<Func<Image, Caller, bool>>(Expression.OrElse(_rule.Body, otherBody), image, caller),
            [.. Terms, .. other.Terms]);
    }

    /// <summary>Images in this scope that also match a predicate of the image alone.</summary>
    public ImageScopeRule And(Expression<Func<Image, bool>> predicate)
    {
        var body = new ParameterSwap(predicate.Parameters[0], _rule.Parameters[0]).Visit(predicate.Body);
        return new ImageScopeRule(Expression.Lambda<Func<Image, Caller, bool>>(Expression.AndAlso(_rule.Body, body), _rule.Parameters),
            _terms is null ? null : [.. _terms.Select(t => t.And(predicate))]);
    }

    private sealed class CapturedCaller(Caller value)
    {
        public readonly Caller Value = value;
    }
}
