using FluentValidation;
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
using Portal.Images;
using Portal.Images.Catalog;

namespace Portal.Extensions;

public static class PortalServiceExtensions
{
    /// <summary>Everything the portal needs, registered in one place.</summary>
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<PortalOptions>()
            .Bind(builder.Configuration.GetSection(PortalOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PortalOptions>, PortalOptionsValidator>();
        services.AddSingleton<DataDirectory>();
        services.AddSingleton(TimeProvider.System);

        // Keys that protect sign-in cookies and antiforgery tokens survive restarts; several instances must share them.
        services.AddDataProtection().SetApplicationName("Portal");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(Path.Combine(sp.GetRequiredService<DataDirectory>().Root, "keys")),
                sp.GetRequiredService<ILoggerFactory>())));

        services.AddDbContextFactory<PortalDbContext>((sp, options) =>
            options.UseSqlite(DatabaseInitializer.ConnectionString(sp.GetRequiredService<DataDirectory>().DatabasePath)));

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(config =>
        {
            config.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomLeft;
            config.SnackbarConfiguration.VisibleStateDuration = 5000;
        });

        AddAccounts(services);
        AddImages(services);
        return builder;
    }

    private static void AddAccounts(IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityAuthenticationStateProvider>();
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AccountEndpoints.SignInPath;
            cookie.LogoutPath = AccountEndpoints.SignOutPath;
            cookie.AccessDeniedPath = AccountEndpoints.SignInPath;
            cookie.Cookie.Name = "portal.auth";
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.HttpOnly = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
        });
        services.AddAuthorization();

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

        // Identity's stores need a scoped context; the rest of the app creates one per operation from the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddScoped<DemoUserSeeder>();
        services.AddScoped<CurrentCaller>();
    }

    private static void AddImages(IServiceCollection services)
    {
        services.AddSingleton<IImageStore, LocalDiskImageStore>();
        services.AddSingleton<IValidator<UpdateImageRequest>, UpdateImageRequestValidator>();
        services.AddSingleton<ImageService>();
        services.AddSingleton<DemoCatalogSeeder>();
    }
}
