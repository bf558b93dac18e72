using Portal.Images;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageStatusTransitionTests
{
    // Glance's table (plus importing → killed, and Recently deleted's deactivated ⇄ pending_delete), written out independently of the production code so that a change to either is noticed.
    private static readonly (ImageStatus From, ImageStatus To)[] Allowed =
    [
        (ImageStatus.Queued, ImageStatus.Saving), (ImageStatus.Queued, ImageStatus.Importing),
        (ImageStatus.Queued, ImageStatus.Active), (ImageStatus.Queued, ImageStatus.Deleted),
        (ImageStatus.Saving, ImageStatus.Active), (ImageStatus.Saving, ImageStatus.Killed),
        (ImageStatus.Saving, ImageStatus.Deleted), (ImageStatus.Saving, ImageStatus.Queued),
        (ImageStatus.Importing, ImageStatus.Active), (ImageStatus.Importing, ImageStatus.Deleted),
        (ImageStatus.Importing, ImageStatus.Queued), (ImageStatus.Importing, ImageStatus.Killed), // Portal's one addition
        (ImageStatus.Active, ImageStatus.PendingDelete), (ImageStatus.Active, ImageStatus.Deleted),
        (ImageStatus.Active, ImageStatus.Deactivated),
        (ImageStatus.Killed, ImageStatus.Deleted),
        (ImageStatus.PendingDelete, ImageStatus.Deleted), (ImageStatus.PendingDelete, ImageStatus.Active),
        (ImageStatus.Deactivated, ImageStatus.Active), (ImageStatus.Deactivated, ImageStatus.Deleted),
        (ImageStatus.Deactivated, ImageStatus.PendingDelete), (ImageStatus.PendingDelete, ImageStatus.Deactivated), // Portal's Recently deleted
    ];

    public static TheoryData<ImageStatus, ImageStatus> EveryPair()
    {
        var data = new TheoryData<ImageStatus, ImageStatus>();
        foreach (var from in Enum.GetValues<ImageStatus>())
        {
            foreach (var to in Enum.GetValues<ImageStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void TransitionIsAllowedExactlyWhenGlanceAllowsIt(ImageStatus from, ImageStatus to)
    {
        Assert.Equal(Allowed.Contains((from, to)), ImageStatusRules.CanTransition(from, to));
    }

    [Fact]
    public void DeletedIsFinal()
    {
        Assert.Empty(ImageStatusRules.NextStates(ImageStatus.Deleted));
    }

    [Theory]
    [InlineData(ImageStatus.PendingDelete, "pending_delete")]
    [InlineData(ImageStatus.Queued, "queued")]
    [InlineData(ImageStatus.Active, "active")]
    public void StatusUsesOpenStackWireNames(ImageStatus status, string expected)
    {
        Assert.Equal(expected, status.ToApiName());
    }
}
