using Portal.Accounts;
using Portal.Components;
using Portal.Data;
using Portal.Extensions;
using Portal.Images.Transfer;

var builder = WebApplication.CreateBuilder(args);
builder.AddPortal();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseRateLimiter();
app.UseAntiforgery();

app.UsePortalAssets(app.Environment);
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapImageUploadEndpoints();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.Services.InitializePortalDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point; public so that WebApplicationFactory can host the app in tests.</summary>
public partial class Program;
