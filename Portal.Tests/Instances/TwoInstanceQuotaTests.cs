using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

public sealed class QuotaPair : PortalPair
{
    public QuotaPair() => With("Portal:Images:MaxConcurrentUploadsPerAccount", "20");
}

/// <summary>Uploads on two instances at once share one quota: the database decides which fit.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(HeavyTests.Name)]
public sealed class TwoInstanceQuotaTests(QuotaPair portals) : TwoInstanceQuotaTests<QuotaPair>(portals), IClassFixture<QuotaPair>;

/// <summary>The quota test on any pair of instances (see <see cref="ScaledOutQuotaTests"/> for PostgreSQL and Swift).</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public abstract class TwoInstanceQuotaTests<TPair>(TPair portals)
    where TPair : PortalPair
{
    private const string Alice = "alice@demo.local";

    [Fact]
    public async Task ParallelUploadsOnBothInstancesAdmitExactlyWhatFitsAndLeaveTheLedgerClean()
    {
        const long room = 10_000_000;
        const int size = 3_000_000;
        var alice = await portals.A.CallerAsync(Alice);
        var quota = portals.A.Services.GetRequiredService<StorageQuota>();
        var stored = await quota.StoredBytesAsync(alice.AccountId, CancellationToken.None);
        var operatorCaller = await portals.A.CallerAsync("operator@demo.local");
        await portals.B.Services.GetRequiredService<AccountQuotaService>().SetQuotaAsync(operatorCaller, alice.AccountId, stored + room);

        using var onA = await portals.A.SignedInHttpClientAsync(Alice);
        using var onB = await portals.B.SignedInHttpClientAsync(Alice);
        var uploads = new List<Task<(HttpStatusCode Status, string Body)>>();
        for (var i = 0; i < 8; i++)
        {
            var (image, token) = await portals.A.NewQueuedImageAsync(Alice, $"parallel-{i}");
            var client = i % 2 == 0 ? onA : onB;
            uploads.Add(Task.Run(async () =>
            {
                using var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new GeneratedContent(size)));
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }));
        }

        var outcomes = await Task.WhenAll(uploads);

        // 3 × 3 MB fit in 10 MB; a fourth would not, whichever instance it came to.
        Assert.Equal(3, outcomes.Count(o => o.Status == HttpStatusCode.NoContent));
        var refused = outcomes.Where(o => o.Status != HttpStatusCode.NoContent).ToList();
        Assert.Equal(5, refused.Count);
        Assert.All(refused, o =>
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, o.Status);
            Assert.Contains("This upload would take your private images to", o.Body);
        });

        Assert.Equal(stored + 3 * size, await quota.StoredBytesAsync(alice.AccountId, CancellationToken.None));
        Assert.Equal(0, await quota.InFlightBytesAsync(alice.AccountId));
        await using var db = await portals.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.TransferReservations.ToListAsync());
    }
}
