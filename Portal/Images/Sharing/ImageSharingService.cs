using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;
using Portal.Images.Activity;
using Portal.Rules;

namespace Portal.Images.Sharing;

/// <summary>An account as a share names it.</summary>
public sealed record AccountChoice(Guid Id, string Name);

/// <summary>One member of an image as the pages show it: the account by its name, and its answer.</summary>
public sealed record ImageMemberView(Guid ImageId, Guid AccountId, string AccountName, MemberStatus Status, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// Sharing an image with other accounts: the Sharing card, the Shared with me tab and the Image API's members routes
/// all come here. Each change is one of the image's own methods, decided by <see cref="ImagePolicy"/>, saved with its
/// activity entry by <see cref="ImageService"/>'s one change path, which tells the open pages of owner and members.
/// </summary>
public sealed class ImageSharingService(IDbContextFactory<PortalDbContext> dbFactory, ImageService images, TimeProvider clock)
{
    public const string OnlyOperatorListsAccounts = "Only the platform operator can list the accounts; type the exact name of the account instead.";

    public static string NoAccountNamed(string name) => $"There is no account named '{name}'.";

    public static string NoAccountWithId(Guid id) => $"There is no account with the id {id:D}.";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>May the caller pick the account from a list: the operator only; customers never see who else is on the platform.</summary>
    public static Decision DecideListAccounts(Caller caller) =>
        caller.IsOperator ? Decision.Allow : Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorListsAccounts);

    /// <summary>The accounts an image of the caller's can be shared with, by name (the operator's select).</summary>
    public async Task<IReadOnlyList<AccountChoice>> ListAccountsAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        DecideListAccounts(caller).ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Accounts.AsNoTracking().Where(a => a.Id != caller.AccountId).OrderBy(a => a.Name)
            .Select(a => new AccountChoice(a.Id, a.Name)).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The Share image button: shares the image with the account of that exact name, making a private image shared in
    /// the same step.
    /// </summary>
    public async Task<ImageMemberView> ShareAsync(Caller caller, Guid imageId, string accountName, CancellationToken cancellationToken = default)
    {
        var name = accountName.Trim();
        if (name.Length == 0)
        {
            throw new ImageRuleException(RefusalCode.Invalid, "Type the name of the account to share the image with.");
        }

        // The image first: an image the caller cannot see answers the same whatever name is typed.
        var image = await images.GetAsync(caller, imageId, cancellationToken);
        image.Decide(ImageAction.Share, caller).ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Name == name, cancellationToken)
            ?? throw new ImageRuleException(RefusalCode.NotFound, NoAccountNamed(name));
        return await AddAsync(caller, imageId, account, makeShared: true, cancellationToken);
    }

    /// <summary>The Image API's POST members: the image must be shared already, as in Glance.</summary>
    public async Task<ImageMemberView> AddMemberAsync(Caller caller, Guid imageId, Guid accountId, CancellationToken cancellationToken = default)
    {
        var image = await images.GetAsync(caller, imageId, cancellationToken);
        image.Decide(ImageAction.Share, caller).ThrowIfRefused();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken)
            ?? throw new ImageRuleException(RefusalCode.Invalid, NoAccountWithId(accountId));
        return await AddAsync(caller, imageId, account, makeShared: false, cancellationToken);
    }

    private async Task<ImageMemberView> AddAsync(Caller caller, Guid imageId, Account account, bool makeShared, CancellationToken cancellationToken)
    {
        ImageMember? added = null;
        try
        {
            await images.ChangeAsync(caller, imageId, expectedVersion: null,
                image => added = image.AddMember(caller, account.Id, Now, makeShared).Copy(),
                cancellationToken, ImageActivityKind.MemberAdded, _ => account.Name);
        }
        catch (DbUpdateException e) when (PortalDatabase.IsUniqueViolation(e))
        {
            // The same share made twice at once: the first one saved, the second finds the membership already there.
            throw new ImageRuleException(RefusalCode.InvalidState, ImagePolicy.AlreadySharedWith(account.Id));
        }

        return ViewOf(added!, account.Name);
    }

    /// <summary>Stops sharing the image with the account (owner only), whatever the account answered.</summary>
    public async Task RemoveMemberAsync(Caller caller, Guid imageId, Guid accountId, CancellationToken cancellationToken = default)
    {
        var name = await AccountNameAsync(accountId, cancellationToken);
        await images.ChangeAsync(caller, imageId, expectedVersion: null, image => image.RemoveMember(caller, accountId),
            cancellationToken, ImageActivityKind.MemberRemoved, _ => name);
    }

    /// <summary>The member account's answer: accepted, rejected, or back to pending.</summary>
    public async Task<ImageMemberView> SetMemberStatusAsync(
        Caller caller, Guid imageId, Guid accountId, MemberStatus status, CancellationToken cancellationToken = default)
    {
        var name = await AccountNameAsync(accountId, cancellationToken);
        ImageMember? answered = null;
        var kind = status switch
        {
            MemberStatus.Accepted => ImageActivityKind.MemberAccepted,
            MemberStatus.Rejected => ImageActivityKind.MemberRejected,
            _ => ImageActivityKind.MemberPending,
        };
        await images.ChangeAsync(caller, imageId, expectedVersion: null,
            image => answered = image.SetMemberStatus(caller, accountId, status, Now).Copy(),
            cancellationToken, kind, _ => name);
        return ViewOf(answered!, name ?? accountId.ToString("D"));
    }

    /// <summary>
    /// The members the caller may see, as Glance shows them: the owner all of them, a member account only its own
    /// membership, anyone else none.
    /// </summary>
    public async Task<IReadOnlyList<ImageMemberView>> ListMembersAsync(Caller caller, Guid imageId, CancellationToken cancellationToken = default)
    {
        var image = await images.GetAsync(caller, imageId, cancellationToken);
        return await MembersSeenByAsync(caller, image, cancellationToken);
    }

    /// <summary>The members of an image already read, as <paramref name="caller"/> may see them.</summary>
    public async Task<IReadOnlyList<ImageMemberView>> MembersSeenByAsync(Caller caller, Image image, CancellationToken cancellationToken = default)
    {
        var members = MembersSeenBy(caller, image);
        if (members.Count == 0)
        {
            return [];
        }

        var names = await AccountNamesAsync(members.Select(m => m.MemberId), cancellationToken);
        return [.. members.OrderBy(m => m.CreatedAt).ThenBy(m => m.MemberId)
            .Select(m => ViewOf(m, names.GetValueOrDefault(m.MemberId) ?? m.MemberId.ToString("D")))];
    }

    /// <summary>One membership, if the caller may see it; otherwise not found, like a member that is not there.</summary>
    public async Task<ImageMemberView> GetMemberAsync(Caller caller, Guid imageId, Guid accountId, CancellationToken cancellationToken = default)
    {
        var members = await ListMembersAsync(caller, imageId, cancellationToken);
        return members.FirstOrDefault(m => m.AccountId == accountId)
            ?? throw new ImageRuleException(RefusalCode.NotFound, ImagePolicy.NotAMember(accountId));
    }

    /// <summary>The names of accounts (an image's owner on the Shared with me tab and the details page).</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> AccountNamesAsync(IEnumerable<Guid> accountIds, CancellationToken cancellationToken = default)
    {
        var ids = accountIds.Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Accounts.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);
    }

    private static List<ImageMember> MembersSeenBy(Caller caller, Image image) =>
        image.Owner == caller.AccountId ? [.. image.Members]
        : image.MemberOf(caller.AccountId) is { } own ? [own]
        : [];

    private async Task<string?> AccountNameAsync(Guid accountId, CancellationToken cancellationToken) =>
        (await AccountNamesAsync([accountId], cancellationToken)).GetValueOrDefault(accountId);

    private static ImageMemberView ViewOf(ImageMember member, string accountName) =>
        new(member.ImageId, member.MemberId, accountName, member.Status, member.CreatedAt, member.UpdatedAt);
}
