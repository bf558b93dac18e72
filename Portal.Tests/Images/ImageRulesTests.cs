using Portal.Rules;
using Portal.Accounts;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc);

    private static Image NewImage(Portal.Accounts.Caller owner, ImageVisibility visibility = ImageVisibility.Private, bool isProtected = false) =>
        Image.Create(owner, new NewImage("test", DiskFormat.Qcow2, visibility, IsProtected: isProtected), Now);

    private static Image ActiveImage(Portal.Accounts.Caller owner, ImageVisibility visibility = ImageVisibility.Private, bool isProtected = false)
    {
        var image = NewImage(owner, visibility, isProtected);
        image.BeginTransfer(owner, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(10, new string('a', 32), new string('b', 128), 10), Now);
        return image;
    }

    [Fact]
    public void NewImageIsQueuedPrivateAndOwnedByTheCallersAccount()
    {
        var image = NewImage(Callers.Alice);

        Assert.Equal(ImageStatus.Queued, image.Status);
        Assert.Equal(ImageVisibility.Private, image.Visibility);
        Assert.Equal(Callers.AliceAccount, image.Owner);
        Assert.Equal("x86_64", image.Architecture);
        Assert.Equal(Now, image.CreatedAt);
    }

    [Fact]
    public void DeleteRefusesProtectedImage()
    {
        var image = ActiveImage(Callers.Alice, isProtected: true);

        var refusal = Assert.Throws<ImageRuleException>(() => image.Delete(Callers.Alice, Now, TimeSpan.FromHours(24)));

        Assert.Contains("Unprotect it first", refusal.Message);
        Assert.Equal(ImageStatus.Active, image.Status);
        Assert.False(image.Decide(ImageAction.Delete, Callers.Alice).Allowed);
    }

    [Fact]
    public void UnprotectedImageWithDataCanBeDeletedAndWaitsInRecentlyDeleted()
    {
        var image = ActiveImage(Callers.Alice, isProtected: true);
        image.SetProtected(Callers.Alice, false, Now);

        image.Delete(Callers.Alice, Now.AddMinutes(1), TimeSpan.FromHours(24));

        Assert.Equal(ImageStatus.PendingDelete, image.Status);
        Assert.Equal(Now.AddMinutes(1).AddHours(24), image.RestorableUntil);
        Assert.Null(image.DeletedAt);
    }

    [Theory]
    [InlineData(ImageVisibility.Public)]
    [InlineData(ImageVisibility.Community)]
    public void CustomerCannotCreatePublicOrCommunityImage(ImageVisibility visibility)
    {
        var refusal = Assert.Throws<ImageRuleException>(() => NewImage(Callers.Alice, visibility));

        Assert.Equal("Customers can only upload private images.", refusal.Message);
    }

    [Theory]
    [InlineData(ImageVisibility.Public)]
    [InlineData(ImageVisibility.Community)]
    public void CustomerCannotMakeTheirImagePublicOrCommunity(ImageVisibility visibility)
    {
        var image = ActiveImage(Callers.Alice);

        Assert.Throws<ImageRuleException>(() => image.SetVisibility(Callers.Alice, visibility, Now));
        Assert.Equal(ImageVisibility.Private, image.Visibility);
    }

    [Fact]
    public void OperatorCanPublishAnImage()
    {
        var image = ActiveImage(Callers.Operator);

        image.SetVisibility(Callers.Operator, ImageVisibility.Public, Now);

        Assert.Equal(ImageVisibility.Public, image.Visibility);
        Assert.True(Callers.Bob.CanSee(image));
    }

    [Theory]
    [InlineData("aarch64")]
    [InlineData("i686")]
    [InlineData("ppc64le")]
    public void OnlyX86_64IsAccepted(string architecture)
    {
        var refusal = Assert.Throws<ImageRuleException>(() =>
            Image.Create(Callers.Alice, new NewImage("arm", DiskFormat.Raw, Architecture: architecture), Now));

        Assert.Contains("x86_64", refusal.Message);
    }

    [Fact]
    public void PrivateImageDoesNotExistForAnotherAccount()
    {
        var image = ActiveImage(Callers.Alice);

        Assert.False(Callers.Bob.CanSee(image));
        Assert.Throws<ImageNotFoundException>(() => image.SetProtected(Callers.Bob, true, Now));
        Assert.Throws<ImageNotFoundException>(() => image.Delete(Callers.Bob, Now, TimeSpan.FromHours(24)));
        Assert.False(image.IsProtected);
        Assert.Equal(ImageStatus.Active, image.Status);
    }

    [Fact]
    public void PrivateImageIsSharedWithinTheAccount()
    {
        var image = ActiveImage(Callers.Alice);

        Assert.True(Callers.AliceColleague.CanSee(image));
        image.SetProtected(Callers.AliceColleague, true, Now);
        Assert.True(image.IsProtected);
    }

    [Fact]
    public void OperatorDoesNotSeeCustomersPrivateImages()
    {
        var image = ActiveImage(Callers.Alice);

        Assert.False(Callers.Operator.CanSee(image));
    }

    [Fact]
    public void PublicImageIsReadableByEveryoneButChangeableOnlyByTheOperator()
    {
        var image = ActiveImage(Callers.Operator, ImageVisibility.Public);
        var metadata = new ImageMetadata("renamed", null, null, null, 0, 0);

        Assert.True(Callers.Alice.CanSee(image));
        Assert.False(image.Decide(ImageAction.Edit, Callers.Alice).Allowed);
        var refusal = Assert.Throws<ImageRuleException>(() => image.UpdateMetadata(Callers.Alice, metadata, Now));
        Assert.Contains("operator", refusal.Message);
        Assert.Throws<ImageRuleException>(() => image.SetProtected(Callers.Alice, true, Now));
        Assert.Throws<ImageRuleException>(() => image.Delete(Callers.Alice, Now, TimeSpan.FromHours(24)));

        image.UpdateMetadata(Callers.Operator, metadata, Now);
        Assert.Equal("renamed", image.Name);
    }

    [Fact]
    public void ActiveImageDataIsNeverWrittenAgain()
    {
        var image = ActiveImage(Callers.Alice);

        var refusal = Assert.Throws<ImageRuleException>(() => image.BeginTransfer(Callers.Alice, ImageStatus.Saving, Now));

        Assert.Contains("cannot be changed", refusal.Message);
        Assert.Equal(ImageStatus.Active, image.Status);
        Assert.False(image.Decide(ImageAction.Upload, Callers.Alice).Allowed);
    }

    [Fact]
    public void AbandonedTransferGoesBackToQueuedWithTheReason()
    {
        var image = NewImage(Callers.Alice);
        image.BeginTransfer(Callers.Alice, ImageStatus.Saving, Now);

        image.AbandonTransfer("The upload was aborted.", Now);

        Assert.Equal(ImageStatus.Queued, image.Status);
        Assert.Equal("The upload was aborted.", image.StatusReason);
        Assert.True(image.Decide(ImageAction.Upload, Callers.Alice).Allowed);
    }

    [Fact]
    public void EveryChangeBumpsTheVersion()
    {
        var image = ActiveImage(Callers.Alice);
        var before = image.Version;

        image.SetProtected(Callers.Alice, true, Now);
        image.UpdateMetadata(Callers.Alice, new ImageMetadata("x", null, null, null, 1, 1), Now);

        Assert.Equal(before + 2, image.Version);
    }

    [Fact]
    public void StatusChangeOutsideTheTableIsRefused()
    {
        var image = NewImage(Callers.Alice);

        // queued → killed is not in Glance's table.
        var refusal = Assert.Throws<ImageRuleException>(() => image.Kill("broken", Now));

        Assert.Equal("An image that is queued cannot become killed.", refusal.Message);
        Assert.Equal(ImageStatus.Queued, image.Status);
    }

    [Fact]
    public void CompletingWithoutATransferIsRefused()
    {
        var image = NewImage(Callers.Alice);

        Assert.Throws<ImageRuleException>(() =>
            image.CompleteTransfer(new ImageData(1, new string('a', 32), new string('b', 128), 1), Now));
        Assert.Equal(ImageStatus.Queued, image.Status);
    }

    [Fact]
    public void DiskFormatCanBeCorrectedWhileQueued()
    {
        var image = NewImage(Callers.Alice);

        image.UpdateMetadata(Callers.Alice, new ImageMetadata("test", null, null, null, 0, 0, DiskFormat.Raw), Now);

        Assert.Equal(DiskFormat.Raw, image.DiskFormat);
    }

    [Fact]
    public void DiskFormatIsFixedOnceTheDataHasArrived()
    {
        var image = ActiveImage(Callers.Alice);

        var refusal = Assert.Throws<ImageRuleException>(() =>
            image.UpdateMetadata(Callers.Alice, new ImageMetadata("test", null, null, null, 0, 0, DiskFormat.Raw), Now));

        Assert.Contains("before the image's data is uploaded", refusal.Message);
        Assert.Equal(DiskFormat.Qcow2, image.DiskFormat);
    }

    [Fact]
    public void OnlyTheOwnerStopsAnImportAndOnlyWhileItRuns()
    {
        var importing = NewImage(Callers.Alice);
        importing.BeginImport(Callers.Alice, "https://images.example.com/disk.qcow2", Now);

        importing.Enforce(ImageAction.CancelImport, Callers.Alice);
        Assert.Throws<ImageNotFoundException>(() => importing.Enforce(ImageAction.CancelImport, Callers.Bob));
        var notImporting = Assert.Throws<ImageRuleException>(() => NewImage(Callers.Alice).Enforce(ImageAction.CancelImport, Callers.Alice));
        Assert.Equal("This image is not importing.", notImporting.Message);
        Assert.Throws<ImageRuleException>(() => ActiveImage(Callers.Alice).Enforce(ImageAction.CancelImport, Callers.Alice));
    }

    [Fact]
    public void CustomersCreatePrivateImagesOnlyAndShareThemLater()
    {
        Assert.True(Callers.Alice.DecideNewVisibility(ImageVisibility.Private).Allowed);
        Assert.False(Callers.Alice.DecideNewVisibility(ImageVisibility.Shared).Allowed);
        Assert.False(((Caller?)null).DecideNewVisibility(ImageVisibility.Public).Allowed);
        Assert.True(Callers.Operator.DecideNewVisibility(ImageVisibility.Community).Allowed);
        Assert.Throws<ImageRuleException>(() => NewImage(Callers.Alice, ImageVisibility.Shared));

        var image = ActiveImage(Callers.Alice);
        image.SetVisibility(Callers.Alice, ImageVisibility.Shared, Now);
        Assert.Equal(ImageVisibility.Shared, image.Visibility);
    }

    [Fact]
    public void OperatorDeactivatesAndReactivatesAPublicImage()
    {
        var image = ActiveImage(Callers.Operator, ImageVisibility.Public);

        image.Deactivate(Callers.Operator, Now);
        Assert.Equal(ImageStatus.Deactivated, image.Status);
        image.Reactivate(Callers.Operator, Now);
        Assert.Equal(ImageStatus.Active, image.Status);
    }

    [Fact]
    public void CustomersCannotDeactivateEvenTheirOwnImages()
    {
        var own = ActiveImage(Callers.Alice);
        var catalog = ActiveImage(Callers.Operator, ImageVisibility.Public);

        var refusal = Assert.Throws<ImageRuleException>(() => own.Deactivate(Callers.Alice, Now));
        Assert.Throws<ImageRuleException>(() => catalog.Deactivate(Callers.Alice, Now));

        Assert.Equal("Only the platform operator can deactivate images.", refusal.Message);
        Assert.Equal((ImageStatus.Active, ImageStatus.Active), (own.Status, catalog.Status));
    }

    [Fact]
    public void CustomersCannotReactivate()
    {
        var catalog = ActiveImage(Callers.Operator, ImageVisibility.Public);
        catalog.Deactivate(Callers.Operator, Now);

        // Deactivated, the image left the customers' catalog: for them it does not exist.
        Assert.Throws<ImageNotFoundException>(() => catalog.Reactivate(Callers.Alice, Now));
        Assert.Equal(ImageStatus.Deactivated, catalog.Status);
        var active = ActiveImage(Callers.Operator, ImageVisibility.Public);
        var refusal = Assert.Throws<ImageRuleException>(() => active.Deactivate(Callers.Alice, Now));
        Assert.Equal(RefusalCode.NotAllowed, refusal.Code);
        Assert.Equal("Only the platform operator can deactivate images.", refusal.Message);
    }

    [Fact]
    public void OnlyAnOperatorSetsAQuota()
    {
        var account = new Portal.Accounts.Account(Guid.NewGuid(), "x", Now);

        var refusal = Assert.Throws<RefusedException>(() => account.SetStorageQuota(Callers.Alice, 1));
        Assert.Equal(RefusalCode.NotAllowed, refusal.Code);
        account.SetStorageQuota(Callers.Operator, 123);

        Assert.Equal(123, account.StorageQuotaBytes);
    }
}
