using Bunit;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UsagePanelTests : PortalComponentTest
{
    [Fact]
    public async Task PanelShowsStorageQuotaMonthToDateCostAndEstimate()
    {
        Harness.Clock.Set(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await Harness.AddImageAsync(Callers.Alice, "two-gb", size: 2_000_000_000);
        Harness.Clock.Set(new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero));
        RenderProviders();

        var panel = Render<UsagePanel>();

        panel.WaitForAssertion(() => Assert.Equal("2 GB", panel.Find("[data-testid=usage-current]").TextContent.Trim()));
        Assert.Equal("Quota 50 GB · 48 GB left", Normalize(panel.Find("[data-testid=usage-quota]").TextContent));
        // 2 GB for 10 days = 480 GB-hours at 0.0001 EUR; 20 more days at 2 GB make the estimate.
        Assert.Equal("480 GB-hours", panel.Find("[data-testid=usage-gbhours]").TextContent.Trim());
        Assert.Equal("0.0480 EUR", panel.Find("[data-testid=usage-cost]").TextContent.Trim());
        Assert.Equal("0.1440 EUR", panel.Find("[data-testid=usage-estimate]").TextContent.Trim());
        Assert.Contains("November 2026", panel.Markup);
        Assert.Contains("1 GB = 10^9 bytes", panel.Markup);
        Assert.Contains("Daily storage, last 30 days (GB)", panel.Markup);
        Assert.NotEmpty(panel.FindAll("svg"));
    }

    [Fact]
    public void EmptyAccountShowsZerosAndTheFullQuota()
    {
        RenderProviders();

        var panel = Render<UsagePanel>();

        panel.WaitForAssertion(() => Assert.Equal("0 bytes", panel.Find("[data-testid=usage-current]").TextContent.Trim()));
        Assert.Equal("Quota 50 GB · 50 GB left", Normalize(panel.Find("[data-testid=usage-quota]").TextContent));
        Assert.Equal("0.0000 EUR", panel.Find("[data-testid=usage-estimate]").TextContent.Trim());
    }

    [Fact]
    public async Task DeletingAnImageElsewhereUpdatesThePanel()
    {
        await Harness.AddImageAsync(Callers.Alice, "kept", size: 2_000_000_000);
        var doomed = await Harness.AddImageAsync(Callers.Alice, "doomed", size: 1_000_000_000);
        RenderProviders();
        var panel = Render<UsagePanel>();
        panel.WaitForAssertion(() => Assert.Equal("3 GB", panel.Find("[data-testid=usage-current]").TextContent.Trim()));
        Assert.Empty(panel.FindAll("[data-testid=usage-pending-delete]"));

        // Recently deleted data still counts, and the panel says where it is and how to free it.
        await Harness.Service.DeleteAsync(Callers.AliceColleague, doomed.Id);

        panel.WaitForAssertion(() => Assert.Equal(
            "Includes 1 GB in Recently deleted, counted until it is removed; delete permanently to free it now.",
            Normalize(panel.Find("[data-testid=usage-pending-delete]").TextContent)));
        Assert.Equal("3 GB", panel.Find("[data-testid=usage-current]").TextContent.Trim());

        await Harness.Service.DeletePermanentlyAsync(Callers.AliceColleague, doomed.Id);

        panel.WaitForAssertion(() => Assert.Equal("2 GB", panel.Find("[data-testid=usage-current]").TextContent.Trim()));
        Assert.Empty(panel.FindAll("[data-testid=usage-pending-delete]"));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
