using Portal.Images.Transfer;
using Portal.Rules;

namespace Portal.Tests.Images.Transfer;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class UploadSlotTests
{
    private readonly ActiveTransfers _transfers = new();
    private readonly Guid _alice = Guid.NewGuid();
    private readonly Guid _bob = Guid.NewGuid();

    [Fact]
    public void OneUploadMoreThanTheLimitIsRefusedAsTooMany()
    {
        using var first = _transfers.TakeUploadSlot(_alice, 2);
        using var second = _transfers.TakeUploadSlot(_alice, 2);

        var refused = Assert.Throws<RefusedException>(() => _transfers.TakeUploadSlot(_alice, 2));

        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal("You already have 2 uploads running; wait for one to finish.", refused.Message);
        Assert.Equal(429, RefusalProblems.StatusOf(refused.Code));
    }

    [Fact]
    public void AnotherAccountIsNotHeldBackByAFullAccount()
    {
        using var alices = _transfers.TakeUploadSlot(_alice, 1);

        using var bobs = _transfers.TakeUploadSlot(_bob, 1);

        Assert.Equal(1, _transfers.UploadsRunning(_bob));
    }

    [Fact]
    public void AFinishedUploadGivesItsSlotBackOnce()
    {
        var first = _transfers.TakeUploadSlot(_alice, 1);
        first.Dispose();
        first.Dispose();

        using var next = _transfers.TakeUploadSlot(_alice, 1);

        Assert.Equal(1, _transfers.UploadsRunning(_alice));
    }
}
