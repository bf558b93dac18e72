using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Identity;
using Portal.Tests.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

[Trait(TestCategories.Category, TestCategories.Browser)]
[Collection(HeavyTests.Name)]
public sealed class ApplicationCredentialsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Where the screenshots go, to be looked at by a person (not compared).</summary>
    private static readonly string Screenshots = Path.Combine(Path.GetTempPath(), "portal-screenshots");

    private static Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Screenshots);
        return page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    private static async Task OpenUserMenuItemAsync(IPage page, string email, string item)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = $"User menu: {email}" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = item }).ClickAsync();
    }

    private async Task<HttpStatusCode> SignInWithAsync(string id, string secret)
    {
        using var client = browser.App.ApiClient(token: null);
        using var response = await client.PostAsync("/identity/v3/auth/tokens", IdentityPortal.AuthRequest(id, secret));
        return response.StatusCode;
    }

    [Fact]
    public async Task CustomerCreatesACredentialDownloadsCloudsYamlSignsInWithItAndRevokesIt()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, "alice@demo.local");

        await OpenUserMenuItemAsync(page, "alice@demo.local", "Application credentials");
        await page.WaitForURLAsync("**/account/application-credentials");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Application credentials", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("You have no application credentials.")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "credentials-empty-1280");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create application credential" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("terraform-ci");
        await dialog.GetByLabel("Description").FillAsync("Pipeline that builds the golden images");
        await ScreenshotAsync(page, "credentials-create-1280");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToBeHiddenAsync();

        var id = await page.GetByLabel("ID", new() { Exact = true }).InputValueAsync();
        var secret = await page.GetByLabel("Secret", new() { Exact = true }).InputValueAsync();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(secret.Length >= 32, secret);
        Assert.False(await page.GetByLabel("Secret", new() { Exact = true }).IsEditableAsync());
        await Assertions.Expect(page.GetByText("The secret is shown only now")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "terraform-ci", Exact = true })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "credentials-created-1280");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Button, new() { Name = "Download clouds.yaml" }).ClickAsync());
        Assert.Equal("clouds.yaml", download.SuggestedFilename);
        var yaml = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("auth_type: v3applicationcredential", yaml);
        Assert.Contains($"auth_url: \"{browser.BaseUrl}/identity/v3\"", yaml);
        Assert.Contains($"application_credential_id: \"{id}\"", yaml);
        Assert.Contains($"application_credential_secret: \"{secret}\"", yaml);
        Assert.StartsWith("blob:", download.Url);

        Assert.Equal(HttpStatusCode.Created, await SignInWithAsync(id, secret));

        // The real openstack client signs in with nothing but the file the browser saved.
        var alice = await browser.App.CallerAsync("alice@demo.local");
        var listed = Assert.Single(await browser.App.Services.GetRequiredService<ApplicationCredentialService>().ListAsync(alice),
            c => c.PublicId == id);
        using var cli = OpenStackCli.WithDownloaded(yaml, new CreatedApplicationCredential(listed, secret));
        var token = await cli.OpenStackJsonAsync("token", "issue");
        Assert.Equal(alice.AccountId.ToString("D"), token.GetProperty("project_id").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Done, hide the secret" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Secret", new() { Exact = true })).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());
        await page.ReloadAsync();
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "terraform-ci", Exact = true })).ToBeVisibleAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke terraform-ci" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(confirm).ToContainTextAsync("stops working at once");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("“terraform-ci” was revoked.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("You have no application credentials.")).ToBeVisibleAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await SignInWithAsync(id, secret));
        var refused = await cli.TryOpenStackAsync("token", "issue");
        Assert.False(refused.Succeeded, "A revoked credential still signs in: " + refused);
        Assert.Empty(browser.CspViolationsOn(page));
    }

    [Fact]
    public async Task OnAPhoneTheUserMenuLeadsToTheCredentialsAndSignsOut()
    {
        var page = await browser.NewPageAsync(390, 844);
        await browser.SignInAsync(page, "bob@demo.local");

        await OpenUserMenuItemAsync(page, "bob@demo.local", "Application credentials");
        await page.WaitForURLAsync("**/account/application-credentials");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create application credential" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("packer");
        await ScreenshotAsync(page, "credentials-create-390");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Secret", new() { Exact = true })).ToBeVisibleAsync();
        await ScreenshotAsync(page, "credentials-created-390");
        await page.GetByRole(AriaRole.Button, new() { Name = "Done, hide the secret" }).ClickAsync();
        await Assertions.Expect(page.GetByText("packer").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, "credentials-list-390");

        await page.GetByRole(AriaRole.Button, new() { Name = "User menu: bob@demo.local" }).ClickAsync();
        await ScreenshotAsync(page, "user-menu-390");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).ClickAsync();

        await page.WaitForURLAsync("**/account/sign-in**");
        await page.GotoAsync("/account/application-credentials");
        await page.WaitForURLAsync("**/account/sign-in**");
        Assert.Empty(browser.CspViolationsOn(page));
    }
}
