using System.Net;
using System.Security.Cryptography.X509Certificates;
using FluentValidation;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Accounts;
using Portal.Configuration;
using Portal.Data;
using Portal.Identity;
using Portal.Images;
using Portal.Images.Catalog;
using Portal.Images.Import;
using Portal.Images.Integrity;
using Portal.Images.Transfer;
using Portal.Images.Upload;
using Portal.Images.Usage;
using Portal.Rules;

namespace Portal.Extensions;

public static class PortalServiceExtensions
{
    /// <summary>Everything the portal needs, registered in one place.</summary>
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddPortalServices(builder.Configuration);

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(config =>
        {
            config.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomLeft;
            config.SnackbarConfiguration.VisibleStateDuration = 5000;
        });

        var portal = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        AddSignIn(services, portal.SignIn);
        AddForwardedHeaders(services, portal.ForwardedHeaders);
        services.AddHostedService<UrlImportWorker>();
        services.AddHostedService<IntegrityCheckWorker>();
        services.AddHostedService<Portal.Images.RecentlyDeleted.RecentlyDeletedScrubber>();
        services.AddPortalOpenApi();
        services.AddPortalHealthChecks();
        return builder;
    }

    /// <summary>
    /// The portal's own services — options, data, callers, images, transfers, usage, import — without the web host's
    /// sign-in, UI framework and background worker. The tests build their service provider from this same method.
    /// </summary>
    public static IServiceCollection AddPortalServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PortalOptions>()
            .Bind(configuration.GetSection(PortalOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();
        services.AddSingleton<DataDirectory>();
        services.AddSingleton(TimeProvider.System);

        // Keys that protect sign-in cookies, antiforgery and upload tokens survive restarts; several instances must share them.
        var dataProtection = services.AddDataProtection().SetApplicationName("Portal");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(sp.GetRequiredService<DataDirectory>().KeysPath),
                sp.GetRequiredService<ILoggerFactory>())));

        // Without a certificate the keys lie in the data folder in plain XML (hence Data Protection's warning at start):
        // whoever can read that folder can forge sign-in cookies and upload tokens.
        var keyProtection = configuration.GetSection(PortalOptions.Section).Get<PortalOptions>()?.DataProtection ?? new DataProtectionSettings();
        if (!string.IsNullOrEmpty(keyProtection.CertificatePath))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(keyProtection.CertificatePath, keyProtection.CertificatePassword);
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddDbContextFactory<PortalDbContext, PortalDbContextFactory>((sp, options) =>
        {
            var database = sp.GetRequiredService<IOptions<PortalOptions>>().Value.Database;
            PortalDatabase.Configure((DbContextOptionsBuilder<PortalDbContext>)options, database.Provider,
                PortalDatabase.ConnectionString(database, sp.GetRequiredService<DataDirectory>()));
        });

        // Identity's stores need a scoped context; the rest of the app creates one per operation from the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddScoped<CurrentCaller>();

        AddImages(services);
        AddApplicationCredentials(services);
        services.AddUrlImport(configuration);
        services.AddSingleton<UrlImportQueue>();
        return services;
    }

    private static void AddForwardedHeaders(IServiceCollection services, ForwardedHeadersSettings settings) =>
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            // The middleware believes every sender when both lists are empty: with no proxy configured it reads nothing.
            forwarded.ForwardedHeaders = settings.KnownProxies.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in settings.KnownProxies.Select(IPAddress.Parse))
            {
                forwarded.KnownProxies.Add(proxy);
            }
        });

    private static void AddSignIn(IServiceCollection services, SignInSettings signIn)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AccountEndpoints.SignInPath;
            cookie.LogoutPath = AccountEndpoints.SignOutPath;
            cookie.AccessDeniedPath = AccountEndpoints.AccessDeniedPath;
            cookie.Cookie.Name = "portal.auth";
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = signIn.SecureCookie ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;

            // API calls (the upload endpoint) get a status code, not a redirect to the sign-in page.
            cookie.Events.OnRedirectToLogin = context => RejectApiOr(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => RejectApiOr(context, StatusCodes.Status403Forbidden);
        });
        services.AddAuthentication().AddApiTokens();
        services.AddAuthorizationBuilder().AddApiTokenPolicies();
        services.AddSingleton<PublicUrls>();
        services.AddSignInRateLimit();

        services.AddIdentityCore<PortalUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<PortalClaimsPrincipalFactory>()
            .AddDefaultTokenProviders();

        services.AddScoped<DemoUserSeeder>();
    }

    private static Task RejectApiOr(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        // The OpenStack routes (the image file routes take the cookie too) answer in Glance's and Keystone's shape.
        if (context.Request.Path.StartsWithSegments(PublicUrls.ImagePath) || context.Request.Path.StartsWithSegments(PublicUrls.IdentityPath))
        {
            return OpenStackErrors.WriteAsync(context.Response, status, status == StatusCodes.Status401Unauthorized
                ? ApiTokenService.AuthenticationRequired
                : ApiTokenAuthentication.NotAuthorized);
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static void AddImages(IServiceCollection services)
    {
        services.AddSingleton<IImageStore>(sp =>
            sp.GetRequiredService<IOptions<PortalOptions>>().Value.ImageStore is { Kind: ImageStoreKind.S3 } settings
                ? new Images.ObjectStore.S3ImageStore(settings.S3, sp.GetRequiredService<ILogger<Images.ObjectStore.S3ImageStore>>())
                : new LocalDiskImageStore(sp.GetRequiredService<DataDirectory>()));
        services.AddSingleton<IValidator<UpdateImageRequest>, UpdateImageRequestValidator>();
        services.AddSingleton<IValidator<CreateImageRequest>, CreateImageRequestValidator>();
        services.AddSingleton<ImageEvents>();
        services.AddSingleton<ActiveTransfers>();
        services.AddSingleton<ImageTransferService>();
        services.AddSingleton<UploadTokens>();
        services.AddSingleton<StorageQuota>();
        services.AddSingleton<UsageService>();
        services.AddSingleton<AccountQuotaService>();
        services.AddScoped<BrowserUploads>();
        services.AddSingleton<ImageService>();
        services.AddSingleton<Images.Sharing.ImageSharingService>();
        services.AddSingleton<ImageIntegrityChecker>();
        services.AddSingleton<IntegrityCheckRequests>();
        services.AddSingleton<DemoCatalogSeeder>();
    }

    private static void AddApplicationCredentials(IServiceCollection services)
    {
        services.AddSingleton<NewApplicationCredentialValidator>();
        services.AddSingleton<ApplicationCredentialService>();
        services.AddSingleton<ApiTokenService>();
    }
}
