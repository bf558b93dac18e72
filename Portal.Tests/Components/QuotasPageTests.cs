using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Images.Usage;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class QuotasPageTests : PortalComponentTest
{
    public QuotasPageTests() => SignInAs(Callers.Operator);

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
        Services.Configure<Portal.Configuration.PortalOptions>(options => options.Storage.FreeSpaceReserveGb = 5);
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
}
