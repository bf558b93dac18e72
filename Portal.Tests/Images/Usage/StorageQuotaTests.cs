using Portal.Images;
using Portal.Images.Transfer;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Usage;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class StorageQuotaTests : IDisposable
{
    /// <summary>A quota of 10 MB (10^7 bytes) for every account.</summary>
    private readonly ImageServiceHarness _harness = new(options => options.Storage.DefaultQuotaGb = 0.01m);

    public void Dispose() => _harness.Dispose();

    private StorageQuota Quota() => _harness.Quota;

    [Fact]
    public async Task ExactlyTheQuotaFitsAndOneByteMoreIsRefusedWithTheTotalsInWords()
    {
        await _harness.AddImageAsync(Callers.Alice, "stored", size: 4_000_000);
        var quota = Quota();
        await using var reservation = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);

        await reservation.ClaimAsync(6_000_000, CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<ImageTransferRefusedException>(() => reservation.ClaimAsync(6_000_001, CancellationToken.None));

        Assert.Equal("This upload would take your private images to 10 MB; your quota is 10 MB.", refusal.Message);
        Assert.Equal(TransferRefusal.TooLarge, refusal.Kind);
    }

    [Fact]
    public async Task AskedAheadTheQuotaGivesTheAnswerAClaimWouldCountingTransfersInProgress()
    {
        await _harness.AddImageAsync(Callers.Alice, "stored", size: 4_000_000);
        var quota = Quota();

        Assert.Null(await quota.RefusalAheadAsync(Callers.AliceAccount, 6_000_000, "upload", CancellationToken.None));
        Assert.Equal("This upload would take your private images to 10 MB; your quota is 10 MB.",
            await quota.RefusalAheadAsync(Callers.AliceAccount, 6_000_001, "upload", CancellationToken.None));

        await using var running = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "import", CancellationToken.None);
        await running.ClaimAsync(3_000_000, CancellationToken.None);
        Assert.Equal("This upload would take your private images to 13 MB; your quota is 10 MB.",
            await quota.RefusalAheadAsync(Callers.AliceAccount, 6_000_000, "upload", CancellationToken.None));
        Assert.Null(await quota.RefusalAheadAsync(Callers.BobAccount, 6_000_000, "upload", CancellationToken.None));
    }

    [Fact]
    public async Task TransfersInProgressCountTogether()
    {
        var quota = Quota();
        await using var first = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        await using var second = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "import", CancellationToken.None);

        await first.ClaimAsync(6_000_000, CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<ImageTransferRefusedException>(() => second.ClaimAsync(5_000_000, CancellationToken.None));

        Assert.Equal("This import would take your private images to 11 MB; your quota is 10 MB.", refusal.Message);
        Assert.Equal(6_000_000, await quota.InFlightBytesAsync(Callers.AliceAccount));
        await second.ClaimAsync(4_000_000, CancellationToken.None);
        Assert.Equal(10_000_000, await quota.InFlightBytesAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task AReleasedReservationFreesItsRoom()
    {
        var quota = Quota();
        await using (var abandoned = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None))
        {
            await abandoned.ClaimAsync(9_000_000, CancellationToken.None);
            Assert.Equal(9_000_000, await quota.InFlightBytesAsync(Callers.AliceAccount));
            Assert.Equal("This upload would take your private images to 10.1 MB; your quota is 10 MB.",
                await quota.RefusalAheadAsync(Callers.AliceAccount, 1_100_000, "upload", CancellationToken.None));
        }

        Assert.Equal(0, await quota.InFlightBytesAsync(Callers.AliceAccount));
        Assert.Null(await quota.RefusalAheadAsync(Callers.AliceAccount, 10_000_000, "upload", CancellationToken.None));
        await using var next = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        await next.ClaimAsync(10_000_000, CancellationToken.None);
        Assert.Equal(10_000_000, await quota.InFlightBytesAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task StoredBytesStayCountedUntilTheImageIsDeleted()
    {
        var quota = Quota();
        await using var other = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        var stored = await _harness.AddImageAsync(Callers.Alice, "stored", size: 7_000_000);

        Assert.Equal(0, await quota.InFlightBytesAsync(Callers.AliceAccount));
        await Assert.ThrowsAsync<ImageTransferRefusedException>(() => other.ClaimAsync(4_000_000, CancellationToken.None));
        await _harness.Service.DeleteAsync(Callers.Alice, stored.Id);
        await Assert.ThrowsAsync<ImageTransferRefusedException>(() => other.ClaimAsync(4_000_000, CancellationToken.None));
        await _harness.Service.DeletePermanentlyAsync(Callers.Alice, stored.Id);
        await other.ClaimAsync(10_000_000, CancellationToken.None);
        Assert.Equal(10_000_000, await quota.InFlightBytesAsync(Callers.AliceAccount));
    }

    [Fact]
    public async Task TwoInstancesCannotBothClaimTheLastRoom()
    {
        using var other = new ImageServiceHarness(_harness, options => options.Storage.DefaultQuotaGb = 0.01m);
        await using var mine = await Quota().OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        await using var theirs = await other.Quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);

        var (a, b) = await Portal.Tests.Support.Race.RunAsync(
            () => Outcome(() => mine.ClaimAsync(6_000_000, CancellationToken.None)),
            () => Outcome(() => theirs.ClaimAsync(6_000_000, CancellationToken.None)));

        Assert.Equal(1, new[] { a.Value, b.Value }.Count(refusal => refusal is null));
        Assert.Equal("This upload would take your private images to 12 MB; your quota is 10 MB.", a.Value ?? b.Value);
        Assert.Equal(6_000_000, await other.Quota.InFlightBytesAsync(Callers.AliceAccount));
    }

    private static async Task<string?> Outcome(Func<Task> claim)
    {
        try
        {
            await claim();
            return null;
        }
        catch (ImageTransferRefusedException refused)
        {
            return refused.Message;
        }
    }

    [Fact]
    public async Task OtherAccountsDoNotCount()
    {
        await _harness.AddImageAsync(Callers.Bob, "bobs", size: 9_000_000);
        var quota = Quota();
        await using var bob = await quota.OpenAsync(Callers.BobAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        await using var alice = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);

        await bob.ClaimAsync(1_000_000, CancellationToken.None);
        await alice.ClaimAsync(10_000_000, CancellationToken.None);

        Assert.Equal((0L, 10_000_000L), (await quota.StoredBytesAsync(Callers.AliceAccount, CancellationToken.None), await quota.InFlightBytesAsync(Callers.AliceAccount)));
        Assert.Equal((9_000_000L, 1_000_000L), (await quota.StoredBytesAsync(Callers.BobAccount, CancellationToken.None), await quota.InFlightBytesAsync(Callers.BobAccount)));
        Assert.Equal("This upload would take your private images to 10 MB; your quota is 10 MB.",
            await quota.RefusalAheadAsync(Callers.BobAccount, 1, "upload", CancellationToken.None));
        Assert.Equal("This upload would take your private images to 10 MB; your quota is 10 MB.",
            await quota.RefusalAheadAsync(Callers.AliceAccount, 1, "upload", CancellationToken.None));
    }

    [Fact]
    public async Task AccountsOwnQuotaOverridesTheDefault()
    {
        var accounts = _harness.Accounts;
        await accounts.SetQuotaAsync(Callers.Operator, Callers.AliceAccount, 20_000_000);
        var quota = Quota();

        await using var reservation = await quota.OpenAsync(Callers.AliceAccount, Guid.NewGuid(), "upload", CancellationToken.None);
        await reservation.ClaimAsync(20_000_000, CancellationToken.None);
        Assert.Equal(20_000_000, await quota.QuotaOfAsync(Callers.AliceAccount, CancellationToken.None));
        Assert.Equal(10_000_000, await quota.QuotaOfAsync(Callers.BobAccount, CancellationToken.None));
    }

    [Fact]
    public async Task CustomersCannotSeeOrChangeQuotas()
    {
        var accounts = _harness.Accounts;

        var set = await Assert.ThrowsAsync<Portal.Rules.RefusedException>(() => accounts.SetQuotaAsync(Callers.Alice, Callers.AliceAccount, long.MaxValue));
        var list = await Assert.ThrowsAsync<Portal.Rules.RefusedException>(() => accounts.ListAsync(Callers.Alice));

        Assert.Contains("Only the platform operator", set.Message);
        Assert.Contains("Only the platform operator", list.Message);
        Assert.Equal(10_000_000, await Quota().QuotaOfAsync(Callers.AliceAccount, CancellationToken.None));
    }

    [Fact]
    public async Task OperatorSeesEveryAccountWithItsStorage()
    {
        using var harness = new ImageServiceHarness(options => options.Storage.DefaultQuotaGb = 50);
        await harness.AddImageAsync(Callers.Alice, "a", size: 1_500_000);
        await harness.AddImageAsync(Callers.Operator, "public", ImageVisibility.Public, size: 9_000_000);
        var accounts = harness.Accounts;

        var list = await accounts.ListAsync(Callers.Operator);

        var alice = list.Single(a => a.Id == Callers.AliceAccount);
        Assert.Equal((1_500_000L, (long?)null, (long?)50_000_000_000), (alice.StoredBytes, alice.OwnQuotaBytes, alice.EffectiveQuotaBytes));
        Assert.Equal(0, list.Single(a => a.Id == Callers.PlatformAccount).StoredBytes);
    }
}
