using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Interop;
using MudBlazor.Services;
using Portal.Accounts;

namespace Portal.Tests.Support;

/// <summary>bUnit with MudBlazor, a signed-in caller and the real image service over SQLite.</summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected PortalComponentTest()
    {
        // Strict: a JS call nobody set up fails the test, so a changed portal call cannot pass unnoticed. The portal's
        // own calls are set up (and verified) by the tests that cause them; MudBlazor's internals are set up here.
        JSInterop.Mode = JSRuntimeMode.Strict;
        SetUpMudBlazorInterop();
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

    /// <summary>
    /// What MudBlazor's components ask the browser for: popovers, key interceptors, focus, scroll locking and blur
    /// events answer nothing; the popover provider count, element sizes and positions (tabs, charts) answer defaults.
    /// </summary>
    private void SetUpMudBlazorInterop()
    {
        JSInterop.SetupVoid(invocation => invocation.Identifier.StartsWith("mud", StringComparison.Ordinal)).SetVoidResult();
        JSInterop.Setup<int>("mudpopoverHelper.countProviders").SetResult(1);
        JSInterop.Setup<BoundingClientRect>("mudElementRef.getBoundingClientRect", _ => true).SetResult(new BoundingClientRect());
        JSInterop.Setup<BoundingClientRect[]>("mudResizeObserver.connect", _ => true).SetResult([]);
        JSInterop.Setup<ElementSize>("mudGetSvgBBox", _ => true).SetResult(new ElementSize { Width = 0, Height = 0 });
        JSInterop.Setup<ElementSize>("mudObserveElementSize", _ => true).SetResult(new ElementSize { Width = 0, Height = 0 });
    }

    /// <summary>Where open menus, selects and suggestion lists draw (after <see cref="RenderProviders"/>).</summary>
    protected IRenderedComponent<MudPopoverProvider> Popovers { get; private set; } = default!;

    /// <summary>Renders the providers MudBlazor's popovers and dialogs draw into.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Popovers = Render<MudPopoverProvider>();
        return Render<MudDialogProvider>();
    }

    public Task InitializeAsync()
    {
        // The portal's pages run in an interactive server circuit (after a prerender, which a test may set instead). Set
        // here, after every constructor: setting it creates the renderer, after which no service can be added.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Harness.Dispose();
    }
}
