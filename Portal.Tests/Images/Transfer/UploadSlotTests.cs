using Portal.Images.Transfer;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Transfer;

/// <summary>Upload slots live in the transfer ledger in the database, so an account's limit holds across instances.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UploadSlotTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private TransferLedger Ledger => _harness.Get<TransferLedger>();

    private static Task<TransferClaim> TakeAsync(TransferLedger ledger, Guid account, int limit) =>
        ledger.BeginAsync(Guid.NewGuid(), account, TransferKind.Upload, limit, ImageTransferService.TooManyUploads, CancellationToken.None);

    [Fact]
    public async Task OneUploadMoreThanTheLimitIsRefusedAsTooMany()
    {
        await TakeAsync(Ledger, Callers.AliceAccount, 2);
        await TakeAsync(Ledger, Callers.AliceAccount, 2);

        var refused = await Assert.ThrowsAsync<RefusedException>(() => TakeAsync(Ledger, Callers.AliceAccount, 2));

        Assert.Equal(RefusalCode.TooMany, refused.Code);
        Assert.Equal("You already have 2 uploads running; wait for one to finish.", refused.Message);
        Assert.Equal(429, RefusalProblems.StatusOf(refused.Code));
    }

    [Fact]
    public async Task AnotherAccountIsNotHeldBackByAFullAccount()
    {
        await TakeAsync(Ledger, Callers.AliceAccount, 1);

        await TakeAsync(Ledger, Callers.BobAccount, 1);

        Assert.Equal(1, await Ledger.RunningAsync(Callers.BobAccount, TransferKind.Upload));
    }

    [Fact]
    public async Task AFinishedUploadGivesItsSlotBackOnce()
    {
        var first = await TakeAsync(Ledger, Callers.AliceAccount, 1);
        await Ledger.EndAsync(first);
        await Ledger.EndAsync(first);

        await TakeAsync(Ledger, Callers.AliceAccount, 1);

        Assert.Equal(1, await Ledger.RunningAsync(Callers.AliceAccount, TransferKind.Upload));
    }

    [Fact]
    public async Task TwoInstancesShareTheAccountsLimitAndADeadInstancesSlotsRunOut()
    {
        using var other = new ImageServiceHarness(_harness);
        var otherLedger = other.Get<TransferLedger>();

        var outcomes = await Race.RunAllAsync(
            () => TakeAsync(Ledger, Callers.AliceAccount, 2), () => TakeAsync(otherLedger, Callers.AliceAccount, 2),
            () => TakeAsync(Ledger, Callers.AliceAccount, 2), () => TakeAsync(otherLedger, Callers.AliceAccount, 2));

        Assert.Equal(2, outcomes.Count(o => o.Won));
        Assert.All(outcomes.Where(o => !o.Won), o => Assert.Equal("You already have 2 uploads running; wait for one to finish.", o.Refusal!.Message));

        // The other instance goes on renewing its slots; this one has died. After a lease only the living one's count.
        var othersSlots = outcomes.Where((o, i) => i % 2 == 1 && o.Won).Count();
        var lease = TimeSpan.FromSeconds(_harness.Options.Value.Instances.LeaseSeconds);
        _harness.Clock.Advance(lease / 2);
        await otherLedger.HeartbeatAsync(CancellationToken.None);
        _harness.Clock.Advance(lease / 2 + TimeSpan.FromSeconds(1));

        Assert.Equal(othersSlots, await Ledger.RunningAsync(Callers.AliceAccount, TransferKind.Upload));
        Assert.Equal(othersSlots, await otherLedger.RunningAsync(Callers.AliceAccount, TransferKind.Upload));
    }
}
