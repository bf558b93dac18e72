using Portal.Accounts;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.Sharing;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Sharing;

/// <summary>Sharing through the real services over SQLite: what each account then sees, lists, pays for and is told.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageSharingServiceTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageSharingService Sharing => _harness.Get<ImageSharingService>();

    private ImageService Images => _harness.Service;

    [Fact]
    public async Task SharingByAccountNameMakesTheImageSharedAndThePendingMemberIsRecorded()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");

        var member = await Sharing.ShareAsync(Callers.Alice, image.Id, " bob-project ");

        Assert.Equal(Callers.BobAccount, member.AccountId);
        Assert.Equal("bob-project", member.AccountName);
        Assert.Equal(MemberStatus.Pending, member.Status);
        var now = await Images.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(ImageVisibility.Shared, now.Visibility);
        var activity = await Images.ActivityAsync(Callers.Alice, image.Id);
        Assert.Contains(activity.Entries, a => a.Kind == ImageActivityKind.MemberAdded && a.Detail == "bob-project");
    }

    [Fact]
    public async Task AnUnknownAccountNameIsRefusedInWordsAndNothingChanges()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");

        var refusal = await Assert.ThrowsAsync<ImageRuleException>(() => Sharing.ShareAsync(Callers.Alice, image.Id, "Bob-Project"));

        Assert.Equal("There is no account named 'Bob-Project'.", refusal.Message);
        Assert.Equal(ImageVisibility.Private, (await Images.GetAsync(Callers.Alice, image.Id)).Visibility);
    }

    [Fact]
    public async Task APendingShareIsUnderSharedWithMeOnlyAndAcceptingListsItWithTheMembersImages()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");

        var tab = await Images.ListAsync(Callers.Bob, new ImageQuery { Scope = ImageScope.SharedWithMe });
        var own = await Images.ListAsync(Callers.Bob, new ImageQuery { Scope = ImageScope.Private });
        var apiDefault = await Images.ListAsync(Callers.Bob, new ImageListQuery());
        var apiPending = await Images.ListAsync(Callers.Bob, new ImageListQuery { Visibility = VisibilityFilter.Shared, MemberStatus = MemberStatus.Pending });
        Assert.Equal([image.Id], tab.Items.Select(i => i.Id));
        Assert.Empty(own.Items);
        Assert.DoesNotContain(apiDefault.Items, i => i.Id == image.Id);
        Assert.Equal([image.Id], apiPending.Items.Select(i => i.Id));
        Assert.False((await Images.GetAsync(Callers.Bob, image.Id)).Decide(ImageAction.Download, Callers.Bob).Allowed);

        await Sharing.SetMemberStatusAsync(Callers.Bob, image.Id, Callers.BobAccount, MemberStatus.Accepted);

        var accepted = await Images.ListAsync(Callers.Bob, new ImageListQuery());
        var sharedAccepted = await Images.ListAsync(Callers.Bob, new ImageListQuery { Visibility = VisibilityFilter.Shared });
        Assert.Contains(accepted.Items, i => i.Id == image.Id);
        Assert.Equal([image.Id], sharedAccepted.Items.Select(i => i.Id));
        Assert.True((await Images.GetAsync(Callers.Bob, image.Id)).Decide(ImageAction.Download, Callers.Bob).Allowed);
        Assert.Contains((await Images.ActivityAsync(Callers.Alice, image.Id)).Entries, a => a.Kind == ImageActivityKind.MemberAccepted);
    }

    [Fact]
    public async Task TheOwnerSeesEveryMemberAMemberOnlyItselfAndAnotherAccountNothing()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "platform");

        var owner = await Sharing.ListMembersAsync(Callers.AliceColleague, image.Id);
        var bob = await Sharing.ListMembersAsync(Callers.Bob, image.Id);

        Assert.Equal(["bob-project", "platform"], owner.Select(m => m.AccountName).Order());
        Assert.Equal([Callers.BobAccount], bob.Select(m => m.AccountId));
        var stranger = new Caller("dave-id", "dave@test.local", Guid.NewGuid(), IsOperator: false);
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Sharing.ListMembersAsync(stranger, image.Id));
        await Assert.ThrowsAnyAsync<RefusedException>(() => Sharing.GetMemberAsync(Callers.Bob, image.Id, Callers.PlatformAccount));
    }

    [Fact]
    public async Task ASharedImageNeverCountsAgainstTheMembersQuotaOrUsage()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "big-disk", size: 5 << 20);
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        await Sharing.SetMemberStatusAsync(Callers.Bob, image.Id, Callers.BobAccount, MemberStatus.Accepted);

        Assert.Equal(0, await _harness.Quota.StoredBytesAsync(Callers.BobAccount, CancellationToken.None));
        Assert.Equal(0, (await _harness.Usage.GetAsync(Callers.Bob)).CurrentBytes);
        Assert.Equal(5 << 20, await _harness.Quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None));
        Assert.Equal(5 << 20, (await _harness.Usage.GetAsync(Callers.Alice)).CurrentBytes);
    }

    [Fact]
    public async Task AMemberCannotChangeTheImageThroughTheService()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        await Sharing.SetMemberStatusAsync(Callers.Bob, image.Id, Callers.BobAccount, MemberStatus.Accepted);

        var protect = await Assert.ThrowsAsync<ImageRuleException>(() => Images.SetProtectedAsync(Callers.Bob, image.Id, true));
        await Assert.ThrowsAsync<ImageRuleException>(() => Images.DeleteAsync(Callers.Bob, image.Id));
        await Assert.ThrowsAnyAsync<RefusedException>(() => Sharing.ShareAsync(Callers.Bob, image.Id, "platform"));
        await Assert.ThrowsAsync<ImageRuleException>(() => Sharing.RemoveMemberAsync(Callers.Bob, image.Id, Callers.BobAccount));

        Assert.Equal(ImagePolicy.OnlyOwnerChangesSharedImage, protect.Message);
        var unchanged = await Images.GetAsync(Callers.Alice, image.Id);
        Assert.False(unchanged.IsProtected);
        Assert.Equal(ImageStatus.Active, unchanged.Status);
        Assert.Single(unchanged.Members);
    }

    [Fact]
    public async Task SharingTwiceWithTheSameAccountIsAConflict()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");
        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");

        var again = await Assert.ThrowsAnyAsync<RefusedException>(() => Sharing.AddMemberAsync(Callers.Alice, image.Id, Callers.BobAccount));

        Assert.Equal(RefusalCode.InvalidState, again.Refusal.Code);
    }

    [Fact]
    public async Task RemovingTheMemberTakesTheImageAwayFromItAndTellsItsOpenPages()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "partner-disk");
        var told = new List<ImageChange>();
        using var subscription = _harness.Events.Subscribe(Callers.Bob, change =>
        {
            lock (told)
            {
                told.Add(change);
            }

            return Task.CompletedTask;
        });

        await Sharing.ShareAsync(Callers.Alice, image.Id, "bob-project");
        await Sharing.RemoveMemberAsync(Callers.Alice, image.Id, Callers.BobAccount);

        await Assert.ThrowsAsync<ImageNotFoundException>(() => Images.GetAsync(Callers.Bob, image.Id));
        var now = await Images.GetAsync(Callers.Alice, image.Id);
        Assert.Empty(now.Members);
        Assert.Equal(ImageVisibility.Shared, now.Visibility);
        Assert.Contains((await Images.ActivityAsync(Callers.Alice, image.Id)).Entries,
            a => a.Kind == ImageActivityKind.MemberRemoved && a.Detail == "bob-project");
        await Eventually.TrueAsync(() =>
        {
            lock (told)
            {
                return told.Count == 2;
            }
        });
    }

    [Fact]
    public async Task OnlyTheOperatorListsTheAccounts()
    {
        var accounts = await Sharing.ListAccountsAsync(Callers.Operator);

        Assert.Equal(["alice-project", "bob-project"], accounts.Select(a => a.Name));
        var refusal = await Assert.ThrowsAsync<RefusedException>(() => Sharing.ListAccountsAsync(Callers.Alice));
        Assert.Equal(ImageSharingService.OnlyOperatorListsAccounts, refusal.Message);
    }

    public void Dispose() => _harness.Dispose();
}
