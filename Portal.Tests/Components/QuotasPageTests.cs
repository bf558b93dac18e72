using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Images;
using Portal.Images.Integrity;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class QuotasPageTests : PortalComponentTest
{
    public QuotasPageTests()
    {
        SignInAs(Callers.Operator);

        // Services are set up before the test starts (PortalComponentTest creates the renderer then); nothing here fills the store.
        Services.Configure<Portal.Configuration.PortalOptions>(options => options.Storage.FreeSpaceReserveGb = 5);
    }

    private IRenderedComponent<QuotasPage> OpenQuotaOf(string account)
    {
        RenderProviders();
        var page = Render<QuotasPage>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"[data-testid=quota-{account}]")));
        page.Find($"button[aria-label='Change quota of {account}']").Click();
        return page;
    }

    private static void Click(IRenderedComponent<QuotasPage> page, string text) =>
        page.FindAll("button").Single(b => b.TextContent.Trim() == text).Click();

    private IReadOnlyList<Snackbar> Snackbars => Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToList();

    [Fact]
    public void ShowsTheImageStoresFreeSpaceAndTheReserve()
    {
        RenderProviders();
        var page = Render<QuotasPage>();

        var text = page.Find("[data-testid=store-free-space]").TextContent;
        Assert.Matches(@"Image store: \S+ \S+ free", text);
        Assert.Contains("5 GB is kept in reserve", text);
    }

    [Fact]
    public void SavingAQuotaSaysSoAndShowsIt()
    {
        var page = OpenQuotaOf("alice-project");

        page.Find("input[inputmode]").Change("20");
        Click(page, "Save quota");

        page.WaitForAssertion(() => Assert.StartsWith("20 GB", page.Find("[data-testid=quota-alice-project]").TextContent.Trim()));
        var said = Assert.Single(Snackbars);
        Assert.Equal(("alice-project may now store 20 GB.", Severity.Success), (said.Message, said.Severity));
    }

    [Fact]
    public async Task AQuotaForAnAccountThatIsGoneIsRefusedWithTheReason()
    {
        var page = OpenQuotaOf("bob-project");
        await using (var db = Harness.Database.CreateDbContext())
        {
            await db.Accounts.Where(a => a.Id == Callers.BobAccount).ExecuteDeleteAsync();
        }

        Click(page, "Save quota");

        page.WaitForAssertion(() => Assert.Single(Snackbars));
        Assert.Equal(("That account does not exist.", Severity.Error), (Snackbars[0].Message, Snackbars[0].Severity));
        Assert.Contains(page.FindAll("button"), b => b.TextContent.Trim() == "Save quota");
    }

    [Fact]
    public async Task TheIntegrityPanelCountsImagesByStateAndVerifyAllImagesShowsTheCheckGoingThroughToItsFindings()
    {
        var intact = await Harness.AddImageAsync(Callers.Alice, "fine", size: 2048);
        var missing = await Harness.AddImageAsync(Callers.Bob, "lost", size: 2048);
        File.Delete(Path.Combine(Harness.Database.ImagesFolder, missing.Id.ToString("D")));
        await using (var db = Harness.Database.CreateDbContext())
        {
            var image = await db.Images.SingleAsync(i => i.Id == missing.Id);
            image.RecordIntegrity(ImageIntegrity.DataMissing, Harness.Clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
        }

        RenderProviders();
        var page = Render<QuotasPage>();
        page.WaitForAssertion(() => Assert.Contains("2 images have stored data", page.Find("[data-testid=integrity-overview]").TextContent));
        var overview = System.Text.RegularExpressions.Regex.Replace(page.Find("[data-testid=integrity-overview]").TextContent, @"\s+", " ");
        Assert.Contains("1 flagged (1 with missing data, 0 of the wrong size, 0 with a checksum mismatch).", overview);

        Click(page, "Verify all images");
        page.WaitForAssertion(() => Assert.StartsWith("Waiting to start (asked for by operator@test.local", page.Find("[data-testid=full-check-status]").TextContent));
        Assert.True(page.Find("[data-testid=verify-all]").HasAttribute("disabled"));
        Assert.Equal("Every image with stored data will be verified now; this page shows the progress.", Assert.Single(Snackbars).Message);

        // The job (not running in a component test) takes the request, as the background worker does.
        var requests = Services.GetRequiredService<IntegrityCheckRequests>();
        var check = requests.Take()!;
        requests.Progress(check, 1, 2);
        page.WaitForAssertion(() => Assert.StartsWith("Verifying: 1 of 2 images checked", page.Find("[data-testid=full-check-status]").TextContent));
        requests.Finished(check, new IntegrityCheckSummary(Intact: 1, DataMissing: 1, WrongSize: 0, ChecksumMismatch: 0));

        page.WaitForAssertion(() => Assert.Contains("2 verified, 1 intact, 1 flagged.", page.Find("[data-testid=full-check-status]").TextContent));
        Assert.False(page.Find("[data-testid=verify-all]").HasAttribute("disabled"));
        Assert.NotEqual(intact.Id, missing.Id);
    }

    [Fact]
    public async Task AnImageWhoseDataCameBackIsCountedAsNotVerifiedYet()
    {
        await Harness.AddImageAsync(Callers.Alice, "fine", size: 2048);
        await using (var db = Harness.Database.CreateDbContext())
        {
            var image = await db.Images.SingleAsync();
            image.RecordIntegrity(ImageIntegrity.WrongSize, Harness.Clock.GetUtcNow().UtcDateTime);
            image.DataReturned();
            await db.SaveChangesAsync();
        }

        RenderProviders();
        var page = Render<QuotasPage>();

        page.WaitForAssertion(() => Assert.Contains("1 image has stored data: 0 intact, 1 not verified yet, none flagged.",
            System.Text.RegularExpressions.Regex.Replace(page.Find("[data-testid=integrity-overview]").TextContent, @"\s+", " ")));
    }
}
