using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

public sealed class ImagePermissionsTests
{
    private static readonly DateTime Now = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    private static Image Queued(Portal.Accounts.Caller owner, ImageVisibility visibility = ImageVisibility.Private, bool isProtected = false) =>
        Image.Create(owner, new NewImage("shown", DiskFormat.Qcow2, visibility, IsProtected: isProtected), Now);

    [Fact]
    public void ACustomerMayNotChangeOrDeleteACatalogImageAndIsToldWhy()
    {
        var may = ImagePermissions.Of(Queued(Callers.Operator, ImageVisibility.Public), Callers.Alice);

        Assert.False(may.Change || may.SendData || may.ChangeDiskFormat || may.Delete);
        Assert.Equal("Only the platform operator can delete public images.", may.DeleteBlockedReason);
    }

    [Fact]
    public void TheOwnerOfAProtectedImageIsToldToUnprotectItFirst()
    {
        var may = ImagePermissions.Of(Queued(Callers.Alice, isProtected: true), Callers.AliceColleague);

        Assert.True(may.Change);
        Assert.False(may.Delete);
        Assert.Equal("This image is protected. Unprotect it first, then delete it.", may.DeleteBlockedReason);
    }

    [Fact]
    public void AQueuedImageTakesDataButOnlyAnImportedOneCanRetryItsImport()
    {
        var uploaded = ImagePermissions.Of(Queued(Callers.Alice), Callers.Alice);

        Assert.True(uploaded.SendData && uploaded.ChangeDiskFormat);
        Assert.False(uploaded.RetryImport || uploaded.CancelImport || uploaded.Deactivate || uploaded.Reactivate);
    }

    [Fact]
    public void OnlyTheOperatorDeactivatesAndReactivates()
    {
        var image = Queued(Callers.Operator, ImageVisibility.Public);
        image.BeginTransfer(Callers.Operator, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(1, new string('a', 32), new string('b', 128), 1), Now);

        Assert.True(ImagePermissions.Of(image, Callers.Operator).Deactivate);
        Assert.False(ImagePermissions.Of(image, Callers.Operator).Reactivate);
        Assert.False(ImagePermissions.Of(image, Callers.Alice).Deactivate);

        image.Deactivate(Callers.Operator, Now);

        Assert.True(ImagePermissions.Of(image, Callers.Operator).Reactivate);
        Assert.False(ImagePermissions.Of(image, Callers.Operator).Deactivate);
    }
}
