using System.Security.Claims;
using Bunit;
using MudBlazor;
using MudBlazor.Services;
using Portal.Accounts;

namespace Portal.Tests.Support;

/// <summary>bUnit with MudBlazor, a signed-in caller and the real image service over SQLite.</summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        Harness = new ImageServiceHarness(Services, Services);
        Authorization = AddAuthorization();
        SignInAs(Callers.Alice);
    }

    /// <summary>The app's own services, resolved from this test's <c>Services</c>.</summary>
    protected ImageServiceHarness Harness { get; }

    protected Bunit.TestDoubles.BunitAuthorizationContext Authorization { get; }

    protected void SignInAs(Caller caller)
    {
        Authorization.SetAuthorized(caller.Email);
        Authorization.SetRoles(caller.IsOperator ? [Caller.OperatorRole] : []);
        Authorization.SetClaims(
            new Claim(ClaimTypes.NameIdentifier, caller.UserId),
            new Claim(ClaimTypes.Email, caller.Email),
            new Claim(Caller.AccountClaim, caller.AccountId.ToString()));
    }

    /// <summary>Renders the providers MudBlazor's popovers and dialogs draw into.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        return Render<MudDialogProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Harness.Dispose();
    }
}
