using System.Security.Claims;
using Bunit;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Accounts;
using Microsoft.AspNetCore.DataProtection;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Images.Upload;

namespace Portal.Tests.Support;

/// <summary>bUnit with MudBlazor, a signed-in caller and the real image service over SQLite.</summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options => options.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddSingleton(Harness.Service);
        Services.AddSingleton<IValidator<UpdateImageRequest>, UpdateImageRequestValidator>();
        Services.AddScoped<CurrentCaller>();
        Services.AddSingleton(Harness.Events);
        Services.AddSingleton(Harness.ActiveTransfers);
        Services.AddSingleton(Harness.Options);
        Services.AddSingleton<TimeProvider>(Harness.Clock);
        Services.AddDataProtection();
        Services.AddSingleton<UploadTokens>();
        Services.AddScoped<BrowserUploads>();
        Services.AddSingleton(Harness.Quota);
        Services.AddSingleton(new Portal.Images.Import.ImportUrlPolicy(Microsoft.Extensions.Options.Options.Create(new Portal.Images.Import.ImportOptions())));
        Services.AddSingleton<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Data.PortalDbContext>>(Harness.Database);
        Services.AddSingleton<Portal.Images.Usage.UsageService>();
        Services.AddSingleton<Portal.Images.Usage.AccountQuotaService>();
        Authorization = AddAuthorization();
        SignInAs(Callers.Alice);
    }

    protected ImageServiceHarness Harness { get; } = new();

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
