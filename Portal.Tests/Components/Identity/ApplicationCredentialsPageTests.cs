using Bunit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Formatting;
using Portal.Identity;
using Portal.Identity.Pages;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Identity;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ApplicationCredentialsPageTests : PortalComponentTest
{
    private const string PublicUrl = "https://cloud.example.test";

    public ApplicationCredentialsPageTests()
    {
        // PublicUrls comes with the web host (it may ask the server where it listens, though not when Portal:PublicUrl is set).
        Services.AddSingleton<IServer, NoServer>();
        Services.AddSingleton<PublicUrls>();
        Services.Configure<PortalOptions>(options =>
        {
            options.PublicUrl = PublicUrl;
            options.Api.Region = "Region-Test";
        });
        using var db = Harness.Database.CreateDbContext();
        foreach (var caller in new[] { Callers.Alice, Callers.Bob, Callers.Operator })
        {
            db.Users.Add(new PortalUser { Id = caller.UserId, UserName = caller.Email, Email = caller.Email, AccountId = caller.AccountId });
        }

        db.SaveChanges();

        // The create dialog is full screen on a phone: the page asks for the window's size. A desktop here.
        JSInterop.Setup<BrowserWindowSize>("mudResizeListener.getBrowserWindowSize").SetResult(new BrowserWindowSize { Width = 1280, Height = 900 });
    }

    private ApplicationCredentialService Credentials => Harness.Get<ApplicationCredentialService>();

    private IReadOnlyList<Snackbar> Snackbars => Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToList();

    private (IRenderedComponent<MudDialogProvider> Dialogs, IRenderedComponent<ApplicationCredentialsPage> Page) Open()
    {
        var dialogs = RenderProviders();
        var page = Render<ApplicationCredentialsPage>();
        page.WaitForAssertion(() => Assert.Contains("Create application credential", page.Markup));
        // Loaded: with a database that answers truly asynchronously (PostgreSQL) the list arrives after the first
        // render, and a button found before that render is gone after it.
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")));
        return (dialogs, page);
    }

    private static AngleSharp.Dom.IElement Button(IRenderedComponent<ApplicationCredentialsPage> page, string text) =>
        page.FindAll("button").Single(b => b.TextContent.Trim() == text);

    private static void ClickInDialog(IRenderedComponent<MudDialogProvider> dialogs, string text) =>
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text).Click();

    /// <summary>The value of the read-only field with this label, as the page shows it.</summary>
    private static string FieldValue(IRenderedComponent<ApplicationCredentialsPage> page, string label)
    {
        var field = page.FindAll(".mud-input-control").Single(f => f.QuerySelector("label")?.TextContent.Trim() == label);
        var input = field.QuerySelector("input")!;
        Assert.True(input.HasAttribute("readonly"));
        return input.GetAttribute("value")!;
    }

    private async Task<CreatedApplicationCredential> CreateThroughTheDialogAsync(
        IRenderedComponent<MudDialogProvider> dialogs, IRenderedComponent<ApplicationCredentialsPage> page, string name)
    {
        Button(page, "Create application credential").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));
        dialogs.Find(".mud-dialog input").Input(name);
        ClickInDialog(dialogs, "Create");
        page.WaitForAssertion(() => page.Find("[data-testid=new-credential]"));
        var credential = Assert.Single(await Credentials.ListAsync(Callers.Alice), c => c.Name == name);
        return new CreatedApplicationCredential(credential, FieldValue(page, "Secret"));
    }

    [Fact]
    public async Task ListsOnlyTheCallersOwnCredentialsWithNeverForNoExpiryAndNoUse()
    {
        var expires = Harness.Clock.GetUtcNow().UtcDateTime.Date.AddDays(30);
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "packer", Description = "image builds", ExpiresAt = expires });
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "terraform" });
        await Credentials.CreateAsync(Callers.Bob, new NewApplicationCredential { Name = "bobs-script" });

        var (_, page) = Open();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count));
        Assert.Equal(["Name", "Description", "Created", "Expires", "Last used", "Actions"], page.FindAll("thead th").Select(th => th.TextContent.Trim()));
        var rows = page.FindAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        var packer = Assert.Single(rows, r => r[0] == "packer");
        Assert.Equal(("image builds", Format.Timestamp(expires), "Never"), (packer[1], packer[3], packer[4]));
        var terraform = Assert.Single(rows, r => r[0] == "terraform");
        Assert.Equal(("Never", "Never"), (terraform[3], terraform[4]));
        Assert.DoesNotContain("bobs-script", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=no-credentials]"));
    }

    [Fact]
    public async Task TheOperatorSeesOnlyTheirOwnCredentialsToo()
    {
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "alices" });
        await Credentials.CreateAsync(Callers.Operator, new NewApplicationCredential { Name = "catalog-sync" });
        SignInAs(Callers.Operator);

        var (_, page) = Open();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));
        Assert.Contains("catalog-sync", page.Find("tbody").TextContent);
        Assert.DoesNotContain("alices", page.Markup);
    }

    [Fact]
    public async Task AnExpiryDateIsKeptAsThatDaysFirstMomentInUtcAndShown()
    {
        var day = Harness.Clock.GetUtcNow().UtcDateTime.Date.AddDays(45);
        var (dialogs, page) = Open();
        Button(page, "Create application credential").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));
        var inputs = dialogs.FindAll(".mud-dialog input");
        inputs[0].Input("expiring");
        dialogs.FindAll(".mud-dialog input").Last().Change(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

        ClickInDialog(dialogs, "Create");

        page.WaitForAssertion(() => page.Find("[data-testid=new-credential]"));
        var credential = Assert.Single(await Credentials.ListAsync(Callers.Alice));
        Assert.Equal(new DateTime(day.Year, day.Month, day.Day, 0, 0, 0, DateTimeKind.Utc), credential.ExpiresAt);
        Assert.Equal(DateTimeKind.Utc, credential.ExpiresAt!.Value.Kind);
        Assert.Equal(Format.Timestamp(day), page.Find("tbody tr").QuerySelectorAll("td")[3].TextContent.Trim());
    }

    [Fact]
    public async Task AnExpiredCredentialIsMarkedSo()
    {
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "short", ExpiresAt = Harness.Clock.GetUtcNow().UtcDateTime.AddDays(1) });
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "long", ExpiresAt = Harness.Clock.GetUtcNow().UtcDateTime.AddDays(9) });
        Harness.Clock.Advance(TimeSpan.FromDays(2));

        var (_, page) = Open();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count));
        var expired = page.FindAll("tbody tr").Where(r => r.TextContent.Contains("Expired")).Select(r => r.QuerySelector("td")!.TextContent.Trim());
        Assert.Equal(["short"], expired);
    }

    [Fact]
    public async Task ShowsWhenACredentialWasLastUsed()
    {
        var created = await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "ci" });
        await Harness.Get<ApiTokenService>().IssueAsync(created.Credential.PublicId, created.Secret);

        var (_, page) = Open();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));
        var cells = page.Find("tbody tr").QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(Format.Timestamp(Harness.Clock.GetUtcNow().UtcDateTime), cells[4]);
    }

    [Fact]
    public void WithoutCredentialsShowsTheEmptyStateAndWhatTheyAreFor()
    {
        var (_, page) = Open();

        page.WaitForAssertion(() => page.Find("[data-testid=no-credentials]"));
        Assert.Contains("You have no application credentials.", page.Markup);
        Assert.Empty(page.FindAll("table"));
        var intro = page.Find("[data-testid=credentials-intro]").TextContent;
        foreach (var expected in new[] { "openstack", "Terraform", "Packer", "acts as you, with your account and your role" })
        {
            Assert.Contains(expected, intro);
        }
    }

    [Fact]
    public async Task CreatingShowsTheIdAndAWorkingSecretOnceAndDismissingForgetsThem()
    {
        var (dialogs, page) = Open();

        var created = await CreateThroughTheDialogAsync(dialogs, page, "laptop");

        Assert.Equal(created.Credential.PublicId, FieldValue(page, "ID"));
        Assert.Contains("The secret is shown only now", page.Find("[data-testid=new-credential]").TextContent);
        Assert.Empty(dialogs.FindAll(".mud-dialog"));
        Assert.Contains("laptop", page.Find("tbody").TextContent);
        var issued = await Harness.Get<ApiTokenService>().IssueAsync(created.Credential.PublicId, created.Secret);
        Assert.Equal(created.Credential.Id, issued.Session.Credential.Id);

        Button(page, "Done, hide the secret").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=new-credential]")));
        Assert.DoesNotContain(created.Secret, page.Markup);
        Assert.Contains("laptop", page.Find("tbody").TextContent);
    }

    [Fact]
    public async Task DownloadHandsTheBrowserTheCloudsYamlBuiltFromThePublicUrl()
    {
        var download = JSInterop.SetupVoid("portal.downloadText", _ => true);
        download.SetVoidResult();
        var (dialogs, page) = Open();
        var created = await CreateThroughTheDialogAsync(dialogs, page, "packer");

        Button(page, "Download clouds.yaml").Click();

        var call = Assert.Single(download.Invocations);
        Assert.Equal(CloudsYaml.FileName, call.Arguments[0]);
        Assert.Equal(CloudsYaml.For(PublicUrl + "/identity/v3", "Region-Test", created.Credential, created.Secret), call.Arguments[1]);
        Assert.Contains("auth_type: v3applicationcredential", (string)call.Arguments[1]!);
        Assert.Contains("openstack --os-cloud portal image list", page.Find("[data-testid=how-to-use]").TextContent);
    }

    [Fact]
    public async Task CopyButtonsCopyTheIdAndTheSecret()
    {
        var copy = JSInterop.Setup<bool>("portal.copyText", _ => true);
        copy.SetResult(true);
        var (dialogs, page) = Open();
        var created = await CreateThroughTheDialogAsync(dialogs, page, "copied");

        page.Find("button[aria-label='Copy ID']").Click();
        page.Find("button[aria-label='Copy secret']").Click();

        Assert.Equal([created.Credential.PublicId, created.Secret], copy.Invocations.Select(i => i.Arguments[0]));
    }

    [Fact]
    public async Task AnEmptyNameIsRefusedInlineWithTheValidatorsMessageAndCreatesNothing()
    {
        var (dialogs, page) = Open();
        Button(page, "Create application credential").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));

        ClickInDialog(dialogs, "Create");

        dialogs.WaitForAssertion(() => Assert.Contains("Give the credential a name.", dialogs.Find(".mud-dialog").TextContent));
        Assert.Empty(await Credentials.ListAsync(Callers.Alice));
        Assert.Empty(page.FindAll("[data-testid=new-credential]"));
    }

    [Fact]
    public async Task ATooLongNameIsRefusedInlineWithTheValidatorsMessage()
    {
        var (dialogs, page) = Open();
        Button(page, "Create application credential").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));

        dialogs.Find(".mud-dialog input").Input(new string('x', ApplicationCredential.MaxNameLength + 1));

        dialogs.WaitForAssertion(() => Assert.Contains(
            $"The name can be at most {ApplicationCredential.MaxNameLength} characters long.", dialogs.Find(".mud-dialog").TextContent));
        ClickInDialog(dialogs, "Create");
        Assert.Empty(await Credentials.ListAsync(Callers.Alice));
    }

    [Fact]
    public async Task ARefusalOfTheServiceIsShownAndTheDialogStaysOpen()
    {
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "twice" });
        var (dialogs, page) = Open();
        Button(page, "Create application credential").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));

        dialogs.Find(".mud-dialog input").Input("twice");
        ClickInDialog(dialogs, "Create");

        page.WaitForAssertion(() => Assert.Single(Snackbars));
        Assert.Equal(("You already have an application credential named “twice”.", Severity.Error), (Snackbars[0].Message, Snackbars[0].Severity));
        Assert.NotEmpty(dialogs.FindAll(".mud-dialog"));
        Assert.Empty(page.FindAll("[data-testid=new-credential]"));
    }

    [Fact]
    public async Task RevokeAsksFirstSayingTokensStopAtOnceThenRevokes()
    {
        var created = await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "old-script" });
        var token = await Harness.Get<ApiTokenService>().IssueAsync(created.Credential.PublicId, created.Secret);
        var (dialogs, page) = Open();
        page.WaitForAssertion(() => page.Find("button[aria-label='Revoke old-script']"));

        page.Find("button[aria-label='Revoke old-script']").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("old-script", dialogs.Find(".mud-dialog").TextContent));
        Assert.Contains("stops working at once", dialogs.Find(".mud-dialog").TextContent);
        Assert.Single(await Credentials.ListAsync(Callers.Alice));
        ClickInDialog(dialogs, "Revoke");

        page.WaitForAssertion(() => page.Find("[data-testid=no-credentials]"));
        Assert.Empty(await Credentials.ListAsync(Callers.Alice));
        Assert.Equal(("“old-script” was revoked.", Severity.Success), (Snackbars.Single().Message, Snackbars.Single().Severity));
        Assert.Null(await Harness.Get<ApiTokenService>().ValidateAsync(token.Token));
    }

    [Fact]
    public async Task CancellingTheRevokeKeepsTheCredential()
    {
        await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "kept" });
        var (dialogs, page) = Open();
        page.WaitForAssertion(() => page.Find("button[aria-label='Revoke kept']"));

        page.Find("button[aria-label='Revoke kept']").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));
        ClickInDialog(dialogs, "Cancel");

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        Assert.Single(await Credentials.ListAsync(Callers.Alice));
        Assert.Single(page.FindAll("tbody tr"));
    }

    [Fact]
    public async Task RevokingOneAlreadyRevokedElsewhereSaysSoAndShowsTheListAgain()
    {
        var created = await Credentials.CreateAsync(Callers.Alice, new NewApplicationCredential { Name = "gone" });
        var (dialogs, page) = Open();
        page.WaitForAssertion(() => page.Find("button[aria-label='Revoke gone']"));
        await Credentials.RevokeAsync(Callers.Alice, created.Credential.Id);

        page.Find("button[aria-label='Revoke gone']").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog"));
        ClickInDialog(dialogs, "Revoke");

        page.WaitForAssertion(() => page.Find("[data-testid=no-credentials]"));
        Assert.Equal(Severity.Error, Snackbars.Single().Severity);
        Assert.Contains("no such application credential", Snackbars.Single().Message);
        Assert.EndsWith("/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri);
    }

    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public void Dispose()
        {
        }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
            throw new NotSupportedException();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
