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

// Only a page request gets the not-found page: re-executing a form post (say, a 400 for a stale antiforgery token on
// sign-out) would post to the page endpoint, fail its antiforgery check again and end in a 500.
app.UseWhen(
    context => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method),
    page => page.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
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
