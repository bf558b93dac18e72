using Portal.Accounts;
using Portal.Images;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

/// <summary>The decisions pages bind to are the ones the entity enforces: same answer, same sentence.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImagePolicyTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    public static TheoryData<ImageAction> EveryAction() => new(Enum.GetValues<ImageAction>());

    /// <summary>Every action that changes an image or its data (downloading reads it).</summary>
    public static TheoryData<ImageAction> EveryChange() => new(Enum.GetValues<ImageAction>().Where(a => a != ImageAction.Download));

    [Theory]
    [MemberData(nameof(EveryChange))]
    public void CustomersMayDoNothingToTheCatalog(ImageAction action)
    {
        var image = Active(Callers.Operator, ImageVisibility.Community);

        var decision = image.Decide(action, Callers.Alice);

        Assert.False(decision.Allowed);
        Assert.Equal(RefusalCode.NotAllowed, decision.Refusal!.Code);
        Assert.Contains("Only the platform operator", decision.Reason);
    }

    [Theory]
    [MemberData(nameof(EveryAction))]
    public void AnotherAccountsPrivateImageIsNotFoundWhateverTheAction(ImageAction action)
    {
        var image = Active(Callers.Alice, ImageVisibility.Private);

        Assert.Equal(RefusalCode.NotFound, image.Decide(action, Callers.Bob).Refusal!.Code);
        Assert.Equal(RefusalCode.NotFound, image.Decide(action, Callers.Operator).Refusal!.Code);
        Assert.Throws<ImageNotFoundException>(() => image.Enforce(action, Callers.Bob));
    }

    [Fact]
    public void TheOwnerOfAnActiveImage()
    {
        var image = Active(Callers.Alice, ImageVisibility.Private);

        Assert.True(image.Decide(ImageAction.Edit, Callers.AliceColleague).Allowed);
        Assert.True(image.Decide(ImageAction.Protect, Callers.Alice).Allowed);
        Assert.True(image.Decide(ImageAction.Delete, Callers.Alice).Allowed);
        Assert.Equal(ImagePolicy.ActiveDataIsReadOnly, image.Decide(ImageAction.Upload, Callers.Alice).Reason);
        Assert.Equal("The disk format can only be changed before the image's data is uploaded.",
            image.Decide(ImageAction.ChangeDiskFormat, Callers.Alice).Reason);
        Assert.Equal("This image is not importing.", image.Decide(ImageAction.CancelImport, Callers.Alice).Reason);
        Assert.Equal("This image was not created from a URL. Upload its data instead.", image.Decide(ImageAction.RetryImport, Callers.Alice).Reason);
        Assert.Equal("Only the platform operator can deactivate images.", image.Decide(ImageAction.Deactivate, Callers.Alice).Reason);
    }

    [Fact]
    public void AProtectedImageCannotBeDeletedAndTheEntitySaysTheSameSentence()
    {
        var image = Active(Callers.Alice, ImageVisibility.Private);
        image.SetProtected(Callers.Alice, true, Now);

        var decision = image.Decide(ImageAction.Delete, Callers.Alice);
        var refusal = Assert.Throws<ImageRuleException>(() => image.Delete(Callers.Alice, Now, TimeSpan.FromHours(24)));

        Assert.Equal(RefusalCode.Protected, decision.Refusal!.Code);
        Assert.Equal(decision.Refusal, refusal.Refusal);
        Assert.Equal(ImagePolicy.ProtectedCannotBeDeleted, refusal.Message);
    }

    [Fact]
    public void TheOperatorDeactivatesOnlyActiveImagesAndReactivatesOnlyDeactivatedOnes()
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);

        Assert.True(image.Decide(ImageAction.Deactivate, Callers.Operator).Allowed);
        Assert.False(image.Decide(ImageAction.Reactivate, Callers.Operator).Allowed);
        image.Deactivate(Callers.Operator, Now);
        Assert.False(image.Decide(ImageAction.Deactivate, Callers.Operator).Allowed);
        Assert.True(image.Decide(ImageAction.Reactivate, Callers.Operator).Allowed);
    }

    [Fact]
    public void AnImportingImageCanBeCancelledButNotDeletedNorSentData()
    {
        var image = Image.Create(Callers.Alice, new NewImage("imp", DiskFormat.Raw), Now);
        image.BeginImport(Callers.Alice, "https://images.example.com/a.raw", Now);

        Assert.True(image.Decide(ImageAction.CancelImport, Callers.Alice).Allowed);
        Assert.Equal("This image cannot receive data while it is importing.", image.Decide(ImageAction.Upload, Callers.Alice).Reason);
        Assert.Equal(RefusalCode.InvalidState, image.Decide(ImageAction.RetryImport, Callers.Alice).Refusal!.Code);
    }

    [Fact]
    public void WhoeverSeesAnActiveImageMayDownloadIt()
    {
        Assert.True(Active(Callers.Alice, ImageVisibility.Private).Decide(ImageAction.Download, Callers.AliceColleague).Allowed);
        Assert.True(Active(Callers.Operator, ImageVisibility.Public).Decide(ImageAction.Download, Callers.Alice).Allowed);
        Assert.True(Active(Callers.Operator, ImageVisibility.Community).Decide(ImageAction.Download, Callers.Bob).Allowed);
    }

    [Fact]
    public void ADeactivatedImageIsDownloadedByTheOperatorOnlyWithGlancesSentence()
    {
        // A customer sees a deactivated image only in their own account (catalog images vanish from customers' view).
        var platformCustomer = new Caller("dave-id", "dave@test.local", Callers.PlatformAccount, IsOperator: false);
        var image = Active(Callers.Operator, ImageVisibility.Private);
        image.Deactivate(Callers.Operator, Now);

        var customer = image.Decide(ImageAction.Download, platformCustomer);

        Assert.Equal(RefusalCode.NotAllowed, customer.Refusal!.Code);
        Assert.Equal("The requested image has been deactivated. Image data download is forbidden.", customer.Reason);
        Assert.Equal(403, RefusalProblems.StatusOf(customer.Refusal.Code));
        Assert.True(image.Decide(ImageAction.Download, Callers.Operator).Allowed);
        Assert.Equal(RefusalCode.NotFound, image.Decide(ImageAction.Download, Callers.Alice).Refusal!.Code);
    }

    [Theory]
    [InlineData(ImageIntegrity.DataMissing, "stored data is missing")]
    [InlineData(ImageIntegrity.WrongSize, "not the size it had")]
    public void FlaggedDataIsNeverDownloadedNotEvenByTheOperator(ImageIntegrity integrity, string said)
    {
        var image = Active(Callers.Operator, ImageVisibility.Public);
        image.RecordIntegrity(integrity, Now);

        foreach (var caller in new[] { Callers.Alice, Callers.Operator })
        {
            var decision = image.Decide(ImageAction.Download, caller);
            Assert.Equal(RefusalCode.InvalidState, decision.Refusal!.Code);
            Assert.Contains(said, decision.Reason);
            Assert.Contains("the operator has been told", decision.Reason);
            Assert.Throws<ImageRuleException>(() => image.Enforce(ImageAction.Download, caller));
        }

        image.Deactivate(Callers.Operator, Now);
        Assert.Equal(ImagePolicy.IntegrityRefusal(integrity), image.Decide(ImageAction.Download, Callers.Operator).Reason);
    }

    [Fact]
    public void DataFoundIntactAgainIsServedAgain()
    {
        var image = Active(Callers.Alice, ImageVisibility.Private);
        image.RecordIntegrity(ImageIntegrity.DataMissing, Now);
        image.RecordIntegrity(ImageIntegrity.Intact, Now);

        Assert.True(image.Decide(ImageAction.Download, Callers.Alice).Allowed);
    }

    [Fact]
    public void AnImageWithoutDataAnswersNoContentNotAnError()
    {
        var queued = Image.Create(Callers.Alice, new NewImage("q", DiskFormat.Raw), Now);
        var saving = Image.Create(Callers.Alice, new NewImage("s", DiskFormat.Raw), Now);
        saving.BeginTransfer(Callers.Alice, ImageStatus.Saving, Now);

        foreach (var image in new[] { queued, saving })
        {
            var decision = image.Decide(ImageAction.Download, Callers.Alice);
            Assert.Equal(RefusalCode.NoData, decision.Refusal!.Code);
            Assert.Equal(ImagePolicy.NothingToDownload, decision.Reason);
            Assert.Equal(204, RefusalProblems.StatusOf(decision.Refusal.Code));
        }
    }

    [Theory]
    [InlineData(ImageVisibility.Private, true, true)]
    [InlineData(ImageVisibility.Shared, false, true)]
    [InlineData(ImageVisibility.Public, false, false)]
    [InlineData(ImageVisibility.Community, false, false)]
    public void WhatVisibilityACustomerMayChoose(ImageVisibility visibility, bool onCreate, bool later)
    {
        Assert.Equal(onCreate, Callers.Alice.DecideNewVisibility(visibility).Allowed);
        Assert.Equal(later, Callers.Alice.DecideVisibilityChange(visibility).Allowed);
        Assert.True(Callers.Operator.DecideNewVisibility(visibility).Allowed);
        Assert.True(Callers.Operator.DecideVisibilityChange(visibility).Allowed);
    }

    private static Image Active(Caller owner, ImageVisibility visibility)
    {
        var image = Image.Create(owner, new NewImage("img", DiskFormat.Raw, visibility), Now);
        image.BeginTransfer(owner, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(10, new string('0', 32), new string('0', 128), 10), Now);
        return image;
    }

    [Fact]
    public void TheImportUrlIsSeenByTheOwningAccountAndTheOperatorOnly()
    {
        var own = Image.Create(Callers.Alice, new NewImage("mine", DiskFormat.Raw), Now);
        own.BeginImport(Callers.Alice, "https://example.com/mine.img", Now);
        var catalog = Image.Create(Callers.Operator, new NewImage("catalog", DiskFormat.Raw, ImageVisibility.Public), Now);
        catalog.BeginImport(Callers.Operator, "https://mirror.example.com/c.img", Now);

        Assert.Equal("https://example.com/mine.img", own.ImportUrlSeenBy(Callers.AliceColleague));
        Assert.Null(own.ImportUrlSeenBy(Callers.Bob));
        Assert.Equal("https://mirror.example.com/c.img", catalog.ImportUrlSeenBy(Callers.Operator));
        Assert.Null(catalog.ImportUrlSeenBy(Callers.Alice));
    }
}
