using Portal.Accounts;
using Portal.Images;
using Portal.Images.Sharing;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Sharing;

/// <summary>
/// The access matrix of a shared image: owner, member (pending / accepted / rejected), a third account and the operator,
/// against every question the pages and the API ask. One table, read by the same policy the entity enforces.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageSharingPolicyTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Guid DaveAccount = Guid.Parse("da7e0000-0000-4000-8000-000000000004");
    private static readonly Caller Dave = new("dave-id", "dave@test.local", DaveAccount, IsOperator: false);

    public enum Role
    {
        Owner,
        MemberPending,
        MemberAccepted,
        MemberRejected,
        ThirdAccount,
        Operator,
    }

    private static readonly RefusalCode? Allowed = null;

    /// <summary>What each role gets for each action: null is allowed, otherwise the refusal's code.</summary>
    private static readonly Dictionary<Role, Dictionary<ImageAction, RefusalCode?>> Matrix = new()
    {
        [Role.Owner] = Row(download: Allowed, change: Allowed, share: Allowed, answer: RefusalCode.NotAllowed),
        [Role.MemberPending] = Row(download: RefusalCode.NotAllowed, change: RefusalCode.NotAllowed, share: RefusalCode.NotAllowed, answer: Allowed),
        [Role.MemberAccepted] = Row(download: Allowed, change: RefusalCode.NotAllowed, share: RefusalCode.NotAllowed, answer: Allowed),
        [Role.MemberRejected] = Row(download: RefusalCode.NotAllowed, change: RefusalCode.NotAllowed, share: RefusalCode.NotAllowed, answer: Allowed),
        [Role.ThirdAccount] = Row(download: RefusalCode.NotFound, change: RefusalCode.NotFound, share: RefusalCode.NotFound, answer: RefusalCode.NotFound),
        [Role.Operator] = Row(download: RefusalCode.NotFound, change: RefusalCode.NotFound, share: RefusalCode.NotFound, answer: RefusalCode.NotFound),
    };

    private static Dictionary<ImageAction, RefusalCode?> Row(RefusalCode? download, RefusalCode? change, RefusalCode? share, RefusalCode? answer) => new()
    {
        [ImageAction.Download] = download,
        [ImageAction.Edit] = change,
        [ImageAction.Protect] = change,
        [ImageAction.Delete] = change,
        [ImageAction.Share] = share,
        [ImageAction.RemoveMember] = share,
        [ImageAction.SetMemberStatus] = answer,
    };

    public static TheoryData<Role, ImageAction> Cells()
    {
        var cells = new TheoryData<Role, ImageAction>();
        foreach (var (role, row) in Matrix)
        {
            foreach (var action in row.Keys)
            {
                cells.Add(role, action);
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void EachRoleGetsItsAnswerForEachAction(Role role, ImageAction action)
    {
        var (image, caller) = SharedImageAs(role);

        var decision = image.Decide(action, caller);

        Assert.Equal(Matrix[role][action], decision.Refusal?.Code);
    }

    [Theory]
    [InlineData(Role.Owner, true, true, false)]
    [InlineData(Role.MemberPending, true, false, true)]
    [InlineData(Role.MemberAccepted, true, true, true)]
    [InlineData(Role.MemberRejected, true, false, true)]
    [InlineData(Role.ThirdAccount, false, false, false)]
    [InlineData(Role.Operator, false, false, false)]
    public void WhoSeesTheImageWhere(Role role, bool details, bool listed, bool sharedWithMeTab)
    {
        var (image, caller) = SharedImageAs(role);

        Assert.Equal(details, caller.CanSee(image));
        Assert.Equal(listed, ImageAccess.Listed.Contains(image, caller));
        Assert.Equal(sharedWithMeTab, ImageAccess.SharedWithMe.Contains(image, caller));
    }

    [Fact]
    public void AMembersRefusalsSayWhy()
    {
        var (image, pending) = SharedImageAs(Role.MemberPending);

        Assert.Equal(ImagePolicy.AcceptBeforeDownload, image.Decide(ImageAction.Download, pending).Reason);
        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage, image.Decide(ImageAction.Edit, pending).Reason);
        Assert.Equal(ImagePolicy.OnlyMembersAnswer, image.Decide(ImageAction.SetMemberStatus, Callers.Alice).Reason);
    }

    [Fact]
    public void TheEntityRefusesAMembersChangesWithThePolicysSentence()
    {
        var (image, member) = SharedImageAs(Role.MemberAccepted);

        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage,
            Assert.Throws<ImageRuleException>(() => image.SetProtected(member, true, Now)).Message);
        Assert.Throws<ImageRuleException>(() => image.Delete(member, Now, TimeSpan.FromHours(1)));
        Assert.Throws<ImageRuleException>(() => image.SetVisibility(member, ImageVisibility.Private, Now));
        Assert.Throws<ImageRuleException>(() => image.AddMember(member, DaveAccount, Now));
        Assert.Throws<ImageRuleException>(() => image.RemoveMember(member, Callers.BobAccount));
        Assert.False(image.IsProtected);
        Assert.Equal(ImageVisibility.Shared, image.Visibility);
        Assert.Single(image.Members);
    }

    [Fact]
    public void TheOperatorsAccountAsAMemberIsReadOnlyToo()
    {
        var image = Active(Callers.Alice);
        image.AddMember(Callers.Alice, Callers.PlatformAccount, Now, makeShared: true);
        image.SetMemberStatus(Callers.Operator, Callers.PlatformAccount, MemberStatus.Accepted, Now);

        Assert.True(image.Decide(ImageAction.Download, Callers.Operator).Allowed);
        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage, image.Decide(ImageAction.Edit, Callers.Operator).Reason);
        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage, image.Decide(ImageAction.DeletePermanently, Callers.Operator).Reason);
        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage, image.Decide(ImageAction.Deactivate, Callers.Operator).Reason);
    }

    [Fact]
    public void SharingMakesAPrivateImageSharedOnlyWhenAskedAsTheImageApiAddsMembersToSharedImagesOnly()
    {
        var image = Active(Callers.Alice);

        var refusal = Assert.Throws<ImageRuleException>(() => image.AddMember(Callers.Alice, Callers.BobAccount, Now));
        Assert.Equal(RefusalCode.NotAllowed, refusal.Refusal.Code);
        Assert.Equal(ImagePolicy.OnlySharedImagesHaveMembers, refusal.Message);
        Assert.Equal(ImageVisibility.Private, image.Visibility);

        var member = image.AddMember(Callers.Alice, Callers.BobAccount, Now, makeShared: true);
        Assert.Equal(ImageVisibility.Shared, image.Visibility);
        Assert.Equal(MemberStatus.Pending, member.Status);
    }

    [Fact]
    public void AShareIsRefusedTwiceWithTheOwnerAndForTheCatalog()
    {
        var image = Active(Callers.Alice);
        image.AddMember(Callers.Alice, Callers.BobAccount, Now, makeShared: true);

        Assert.Equal(RefusalCode.InvalidState,
            Assert.Throws<ImageRuleException>(() => image.AddMember(Callers.Alice, Callers.BobAccount, Now)).Refusal.Code);
        Assert.Equal(ImagePolicy.NotSharedWithOwner,
            Assert.Throws<ImageRuleException>(() => image.AddMember(Callers.Alice, Callers.AliceAccount, Now)).Message);

        var catalog = Active(Callers.Operator, ImageVisibility.Public);
        Assert.Equal(ImagePolicy.CatalogIsNotShared, catalog.Decide(ImageAction.Share, Callers.Operator).Reason);
        Assert.Equal(ImagePolicy.OnlyOperatorChangesCatalog, catalog.Decide(ImageAction.Share, Callers.Alice).Reason);
    }

    [Fact]
    public void AMemberAnswersOnlyForItsOwnAccount()
    {
        var image = Active(Callers.Alice);
        image.AddMember(Callers.Alice, Callers.BobAccount, Now, makeShared: true);
        image.AddMember(Callers.Alice, DaveAccount, Now);

        var refusal = Assert.Throws<ImageRuleException>(() => image.SetMemberStatus(Callers.Bob, DaveAccount, MemberStatus.Accepted, Now));

        Assert.Equal(RefusalCode.NotFound, refusal.Refusal.Code);
        Assert.Equal(MemberStatus.Pending, image.MemberOf(DaveAccount)!.Status);
    }

    [Fact]
    public void ARejectedShareCanStillBeAccepted()
    {
        var (image, member) = SharedImageAs(Role.MemberRejected);

        image.SetMemberStatus(member, member.AccountId, MemberStatus.Accepted, Now);

        Assert.True(image.Decide(ImageAction.Download, member).Allowed);
    }

    [Fact]
    public void AMemberNoLongerSeesTheImageOnceRemovedOrOnceTheImageIsDeleted()
    {
        var (image, member) = SharedImageAs(Role.MemberAccepted);
        var before = image.Snapshot();

        image.RemoveMember(Callers.Alice, member.AccountId);

        Assert.False(member.CanSee(image));
        Assert.True(member.CanSee(before));

        var (deleted, other) = SharedImageAs(Role.MemberAccepted);
        deleted.Delete(Callers.Alice, Now, TimeSpan.FromHours(24));
        Assert.False(other.CanSee(deleted));
    }

    private static (Image Image, Caller Caller) SharedImageAs(Role role)
    {
        var image = Active(Callers.Alice);
        image.AddMember(Callers.Alice, Callers.BobAccount, Now, makeShared: true);
        var caller = role switch
        {
            Role.Owner => Callers.AliceColleague,
            Role.ThirdAccount => Dave,
            Role.Operator => Callers.Operator,
            _ => Callers.Bob,
        };
        if (role is Role.MemberAccepted or Role.MemberRejected)
        {
            image.SetMemberStatus(Callers.Bob, Callers.BobAccount,
                role == Role.MemberAccepted ? MemberStatus.Accepted : MemberStatus.Rejected, Now);
        }

        return (image, caller);
    }

    private static Image Active(Caller owner, ImageVisibility visibility = ImageVisibility.Private)
    {
        var image = Image.Create(owner, new NewImage("img", DiskFormat.Raw, visibility), Now);
        image.BeginTransfer(owner, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(10, new string('0', 32), new string('0', 128), 10), Now);
        return image;
    }
}
