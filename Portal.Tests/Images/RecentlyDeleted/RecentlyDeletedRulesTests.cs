using Portal.Accounts;
using Portal.Images;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.RecentlyDeleted;

/// <summary>Delete, restore and delete permanently, as the entity and the policy decide them.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class RecentlyDeletedRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);

    [Fact]
    public void DeletingAnImageWithDataKeepsItPendingDeleteAndRestorableForTheWindow()
    {
        var image = Active(Callers.Alice);
        var (size, md5, sha) = (image.Size, image.Checksum, image.OsHashValue);

        image.Delete(Callers.Alice, Now, Window);

        Assert.Equal(ImageStatus.PendingDelete, image.Status);
        Assert.Equal(ImageStatus.Active, image.StatusBeforeDelete);
        Assert.Equal(Now + Window, image.RestorableUntil);
        Assert.Null(image.DeletedAt);
        Assert.True(image.HasData);
        Assert.True(image.OccupiesStorage());
        Assert.Equal((size, md5, sha), (image.Size, image.Checksum, image.OsHashValue));
        Assert.Equal(TimeSpan.FromHours(23), image.RestorableFor(Now.AddHours(1)));
    }

    [Theory]
    [InlineData(ImageStatus.Queued)]
    [InlineData(ImageStatus.Saving)]
    [InlineData(ImageStatus.Importing)]
    [InlineData(ImageStatus.Killed)]
    public void DeletingAnImageWithoutDataDeletesItAtOnce(ImageStatus status)
    {
        var image = InStatus(status);

        image.Delete(Callers.Alice, Now, Window);

        Assert.Equal(ImageStatus.Deleted, image.Status);
        Assert.Equal(Now, image.DeletedAt);
        Assert.Null(image.RestorableUntil);
        Assert.False(image.OccupiesStorage());
    }

    [Fact]
    public void RestoreWithinTheWindowGivesBackActiveWithTheSameData()
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        image.Restore(Callers.AliceColleague, Now + Window - TimeSpan.FromSeconds(1));

        Assert.Equal(ImageStatus.Active, image.Status);
        Assert.Null(image.StatusBeforeDelete);
        Assert.Null(image.RestorableUntil);
        Assert.Null(image.DeletedAt);
        Assert.Equal(10, image.Size);
    }

    [Fact]
    public void RestoreOfADeactivatedImageGivesItBackDeactivated()
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);
        image.Deactivate(Callers.Operator, Now);
        image.Delete(Callers.Operator, Now, Window);
        Assert.Equal(ImageStatus.Deactivated, image.StatusBeforeDelete);

        image.Restore(Callers.Operator, Now.AddHours(1));

        Assert.Equal(ImageStatus.Deactivated, image.Status);
    }

    [Fact]
    public void RestoreAfterTheWindowIsRefusedWithASentence()
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        var decision = image.Decide(ImageAction.Restore, Callers.Alice, Now + Window);
        var refusal = Assert.Throws<ImageRuleException>(() => image.Restore(Callers.Alice, Now + Window));

        Assert.Equal(ImagePolicy.RestoreWindowPassed, decision.Reason);
        Assert.Equal(decision.Refusal, refusal.Refusal);
        Assert.Equal(ImageStatus.PendingDelete, image.Status);
        Assert.True(image.Decide(ImageAction.Restore, Callers.Alice, Now + Window - TimeSpan.FromMinutes(1)).Allowed);
    }

    [Fact]
    public void OnlyAPendingDeleteImageCanBeRestored()
    {
        var image = Active(Callers.Alice);

        Assert.Equal(ImagePolicy.OnlyDeletedCanBeRestored, image.Decide(ImageAction.Restore, Callers.Alice, Now).Reason);
        Assert.Throws<ImageRuleException>(() => image.Restore(Callers.Alice, Now));
    }

    [Fact]
    public void AnotherAccountCannotSeeRestoreOrPurgeARecentlyDeletedImage()
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        Assert.False(Callers.Bob.CanSee(image));
        Assert.False(Callers.Operator.CanSee(image));
        Assert.Throws<ImageNotFoundException>(() => image.Restore(Callers.Bob, Now));
        Assert.Throws<ImageNotFoundException>(() => image.DeletePermanently(Callers.Bob, Now));
    }

    [Fact]
    public void CustomersSeeNoDeletedCatalogImageTheOperatorDoes()
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);
        image.Delete(Callers.Operator, Now, Window);

        Assert.False(Callers.Alice.CanSee(image));
        Assert.True(Callers.Operator.CanSee(image));
        Assert.True(ImageAccess.RecentlyDeleted.Contains(image, Callers.Operator));
        Assert.False(ImageAccess.Listed.Contains(image, Callers.Operator));
    }

    [Theory]
    [InlineData(ImageAction.Edit)]
    [InlineData(ImageAction.Protect)]
    [InlineData(ImageAction.Unprotect)]
    [InlineData(ImageAction.Upload)]
    [InlineData(ImageAction.ChangeDiskFormat)]
    [InlineData(ImageAction.RetryImport)]
    [InlineData(ImageAction.CancelImport)]
    public void APendingDeleteImageCannotBeChanged(ImageAction action)
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        var decision = image.Decide(action, Callers.Alice);

        Assert.Equal(RefusalCode.InvalidState, decision.Refusal!.Code);
        Assert.Equal(ImagePolicy.DeletedImageIsReadOnly, decision.Reason);
        Assert.Throws<ImageRuleException>(() => image.SetProtected(Callers.Alice, true, Now));
        Assert.Throws<ImageRuleException>(() => image.UpdateMetadata(Callers.Alice, new ImageMetadata("renamed", null, null, null, 0, 0), Now));
        Assert.Equal("img", image.Name);
    }

    [Fact]
    public void APendingDeleteImageIsNotDownloadedByAnyone()
    {
        var mine = Active(Callers.Alice);
        mine.Delete(Callers.Alice, Now, Window);
        var catalog = Active(Callers.Operator, ImageVisibility.Public);
        catalog.Delete(Callers.Operator, Now, Window);

        Assert.Equal(ImagePolicy.DeletedDownloadRefused, mine.Decide(ImageAction.Download, Callers.Alice).Reason);
        Assert.Equal(ImagePolicy.DeletedDownloadRefused, catalog.Decide(ImageAction.Download, Callers.Operator).Reason);
    }

    [Fact]
    public void DeletingAPendingDeleteImageAgainAnswersAsForADeletedOne()
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        Assert.Equal(RefusalCode.NotFound, image.Decide(ImageAction.Delete, Callers.Alice).Refusal!.Code);
        Assert.Throws<ImageNotFoundException>(() => image.Delete(Callers.Alice, Now, Window));
        Assert.Equal(ImageStatus.PendingDelete, image.Status);
    }

    [Fact]
    public void TheCustomerDeletesPermanentlyOnlyFromRecentlyDeleted()
    {
        var image = Active(Callers.Alice);

        Assert.Equal(ImagePolicy.DeleteFirst, image.Decide(ImageAction.DeletePermanently, Callers.Alice).Reason);
        Assert.Throws<ImageRuleException>(() => image.DeletePermanently(Callers.Alice, Now));

        image.Delete(Callers.Alice, Now, Window);
        image.DeletePermanently(Callers.Alice, Now.AddMinutes(5));

        Assert.Equal(ImageStatus.Deleted, image.Status);
        Assert.Equal(Now.AddMinutes(5), image.DeletedAt);
        Assert.False(image.OccupiesStorage());
    }

    [Fact]
    public void TheOperatorPurgesAnActiveImageAtOnce()
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);

        image.DeletePermanently(Callers.Operator, Now);

        Assert.Equal(ImageStatus.Deleted, image.Status);
        Assert.Equal(Now, image.DeletedAt);
    }

    [Fact]
    public void AProtectedImageIsNeverDeletedOnAnyPath()
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);
        image.SetProtected(Callers.Operator, true, Now);

        Assert.Equal(RefusalCode.Protected, image.Decide(ImageAction.Delete, Callers.Operator).Refusal!.Code);
        Assert.Equal(RefusalCode.Protected, image.Decide(ImageAction.DeletePermanently, Callers.Operator).Refusal!.Code);
        Assert.Throws<ImageRuleException>(() => image.Delete(Callers.Operator, Now, Window));
        Assert.Throws<ImageRuleException>(() => image.DeletePermanently(Callers.Operator, Now));
        Assert.Throws<ImageRuleException>(() => image.ExpireDeletion(Now.AddYears(1)));
        Assert.Equal(ImageStatus.Active, image.Status);
    }

    [Fact]
    public void TheScrubberExpiresOnlyAfterTheWindow()
    {
        var image = Active(Callers.Alice);
        image.Delete(Callers.Alice, Now, Window);

        Assert.Throws<ImageRuleException>(() => image.ExpireDeletion(Now + Window - TimeSpan.FromSeconds(1)));
        Assert.Equal(ImageStatus.PendingDelete, image.Status);

        image.ExpireDeletion(Now + Window);

        Assert.Equal(ImageStatus.Deleted, image.Status);
        Assert.Equal(Now + Window, image.DeletedAt);
    }

    [Fact]
    public void TheScrubberDoesNotTouchAnActiveImage()
    {
        var image = Active(Callers.Alice);

        Assert.Throws<ImageRuleException>(() => image.ExpireDeletion(Now.AddYears(1)));
        Assert.Equal(ImageStatus.Active, image.Status);
    }

    private static Image Active(Caller owner, ImageVisibility visibility = ImageVisibility.Private)
    {
        var image = Image.Create(owner, new NewImage("img", DiskFormat.Raw, visibility), Now);
        image.BeginTransfer(owner, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(10, new string('1', 32), new string('2', 128), 10), Now);
        return image;
    }

    private static Image InStatus(ImageStatus status)
    {
        var image = Image.Create(Callers.Alice, new NewImage("img", DiskFormat.Raw), Now);
        switch (status)
        {
            case ImageStatus.Saving or ImageStatus.Importing:
                image.BeginTransfer(Callers.Alice, status, Now);
                break;
            case ImageStatus.Killed:
                image.BeginTransfer(Callers.Alice, ImageStatus.Saving, Now);
                image.Kill("broken", Now);
                break;
        }

        Assert.Equal(status, image.Status);
        return image;
    }
}
