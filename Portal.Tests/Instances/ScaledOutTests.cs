using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.RecentlyDeleted;
using Portal.Tests.Support;

namespace Portal.Tests.Instances;

// The scaled-out setup of the README — two instances, one PostgreSQL, one Swift — under the same tests as two instances
// on the run's own database and store.

/// <summary>Parallel uploads through both instances into Swift share the one quota PostgreSQL keeps.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(HeavyTests.Name)]
public sealed class ScaledOutQuotaTests(ScaledOutPair portals) : TwoInstanceQuotaTests<ScaledOutPair>(portals), IClassFixture<ScaledOutPair>;

/// <summary>Signed in on A, signed in on B: the key ring lives in PostgreSQL.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(HeavyTests.Name)]
public sealed class ScaledOutSharedKeysTests(ScaledOutPair portals) : SharedKeysTests<ScaledOutPair>(portals), IClassFixture<ScaledOutPair>;

/// <summary>An upload through A into Swift shows live on a page open on B.</summary>
[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class ScaledOutBrowserTests(ScaledOutBrowserPair portals) : TwoInstanceBrowserTests<ScaledOutBrowserPair>(portals), IClassFixture<ScaledOutBrowserPair>;

/// <summary>The Recently deleted scrubber of both real instances, started together: each due image is removed once.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(HeavyTests.Name)]
public sealed class ScaledOutScrubberTests(ScaledOutPair portals) : IClassFixture<ScaledOutPair>
{
    private const string Alice = "alice@demo.local";

    [Fact]
    public async Task TheScrubberRunsExactlyOnceAcrossBothInstancesAndTheDataLeavesSwift()
    {
        var alice = await portals.A.CallerAsync(Alice);
        using var onA = await portals.A.SignedInHttpClientAsync(Alice);
        var due = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var (image, token) = await portals.A.NewQueuedImageAsync(Alice, $"scrubbed-{i}");
            using var upload = await onA.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new GeneratedContent(1 << 20)));
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            var deleted = await portals.B.Services.GetRequiredService<ImageService>().DeleteAsync(alice, image.Id);
            Assert.Equal(ImageStatus.PendingDelete, deleted.Status);
            due.Add(image.Id);
        }

        var store = portals.B.Services.GetRequiredService<IImageStore>();
        Assert.True(await store.ExistsAsync(due[0], CancellationToken.None));

        // The restore window ends now for these four (the scrubbers' clocks are real).
        await using (var db = await DbAsync())
        {
            await db.Images.Where(i => due.Contains(i.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(i => i.RestorableUntil, DateTime.UtcNow.AddMinutes(-1)));
        }

        var removed = 0;
        for (var round = 0; round < 3; round++)
        {
            var rounds = await Race.RunAllAsync(() => ScrubberOf(portals.A).RunOnceAsync(CancellationToken.None), () => ScrubberOf(portals.B).RunOnceAsync(CancellationToken.None));
            removed += rounds.Sum(r => r.Value);
        }

        await using (var db = await DbAsync())
        {
            foreach (var id in due)
            {
                Assert.Equal(ImageStatus.Deleted, (await db.Images.SingleAsync(i => i.Id == id)).Status);
                Assert.Equal(1, await db.ImageActivities.CountAsync(a => a.ImageId == id && a.Kind == ImageActivityKind.Scrubbed));
                Assert.False(await store.ExistsAsync(id, CancellationToken.None));
            }
        }

        // The portals' own rounds ran at their start (nothing was due) and come again only after ScrubIntervalMinutes.
        Assert.Equal(due.Count, removed);
    }

    private static RecentlyDeletedScrubber ScrubberOf(KestrelPortal instance) =>
        instance.Services.GetServices<IHostedService>().OfType<RecentlyDeletedScrubber>().Single();

    private Task<PortalDbContext> DbAsync() =>
        portals.A.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
}
