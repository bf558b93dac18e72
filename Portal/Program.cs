using Portal.Accounts;
using Portal.Components;
using Portal.Data;
using Portal.Extensions;
using Portal.Identity;
using Portal.Images.Api;
using Portal.Images.Transfer;

var builder = WebApplication.CreateBuilder(OperatorCommand.HostArguments(args));
builder.AddPortal();

var app = builder.Build();

// Only the proxies listed in Portal:ForwardedHeaders:KnownProxies are believed; with none listed the headers are ignored.
app.UseForwardedHeaders();
app.UseSecurityHeaders();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

// Only a page request gets the not-found page: re-executing a form post (say, a 400 for a stale antiforgery token on
// sign-out) would post to the page endpoint, fail its antiforgery check again and end in a 500.
// The OpenStack routes and the health endpoints answer for themselves (an empty 416 of a download stays a 416, not the not-found page).
app.UseWhen(
    context => (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !context.Request.Path.StartsWithSegments(PublicUrls.ImagePath) && !context.Request.Path.StartsWithSegments(PublicUrls.IdentityPath)
        && !context.Request.Path.StartsWithSegments(PortalHealth.PathPrefix),
    page => page.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
// Called here rather than left to the host (which would run them first) so that a sign-in redirect carries the headers too.
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();

app.UsePortalAssets(app.Environment);
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapImageUploadEndpoints();
app.MapImageDownloadEndpoints();
app.MapIdentityEndpoints();
app.MapImageApiEndpoints();
app.MapPortalOpenApi();
app.MapPortalHealthChecks();
// The portal's own Content-Security-Policy (SecurityHeaders) already says frame-ancestors 'none'; Blazor's second
// policy (frame-ancestors 'self') would only add a duplicate header.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(server => server.ContentSecurityFrameAncestorsPolicy = null);

await app.Services.InitializePortalDatabaseAsync();
if (OperatorCommand.IsRequested(args))
{
    return await OperatorCommand.RunAsync(app.Services, args, () => Environment.GetEnvironmentVariable(OperatorCommand.PasswordVariable),
        Console.In, Console.Out, Console.Error);
}

await app.RunAsync();
return 0;

/// <summary>Entry point; public so that WebApplicationFactory can host the app in tests.</summary>
public partial class Program;
