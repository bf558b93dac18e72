using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Portal.Images.Import;

public static class ImportServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ImportOptions"/> (section "Portal:Import"), <see cref="ImportUrlPolicy"/> and
    /// <see cref="UrlDownloader"/>, whose timeouts run on the registered <see cref="TimeProvider"/> (the system clock if none is).
    /// </summary>
    public static IServiceCollection AddUrlImport(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ImportOptions.Section);
        services.AddOptions<ImportOptions>()
            // The configuration binder appends to a list that already has items; a configured port list must
            // replace the default one, or 80 and 443 could never be switched off.
            .Configure(options =>
            {
                if (section.GetSection(nameof(ImportOptions.AllowedPorts)).GetChildren().Any())
                {
                    options.AllowedPorts = [];
                }
            })
            .Bind(section)
            .Validate(o => o.AllowedPorts.Count > 0 && o.AllowedPorts.All(p => p is > 0 and <= 65535),
                "Portal:Import:AllowedPorts must list ports between 1 and 65535.")
            .Validate(o => o.MaxRedirects is >= 0 and <= 20, "Portal:Import:MaxRedirects must be between 0 and 20.")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero && o.IdleTimeout > TimeSpan.Zero,
                "Portal:Import:ConnectTimeout and IdleTimeout must be positive.")
            .Validate(o => o.MaxRunningPerAccount is >= 1 and <= 1000, "Portal:Import:MaxRunningPerAccount must be between 1 and 1000.")
            .Validate(o => o.MaxQueuedPerAccount is >= 0 and <= 100_000, "Portal:Import:MaxQueuedPerAccount must be between 0 and 100000.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.UserAgent), "Portal:Import:UserAgent must not be empty.")
            .Validate(o => o.DeniedNetworks.All(cidr => System.Net.IPNetwork.TryParse(cidr, out _)),
                "Portal:Import:DeniedNetworks must list networks in CIDR form, such as 203.0.113.0/24.")
            .ValidateOnStart();
        services.AddSingleton<ImportUrlPolicy>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<UrlDownloader>();
        return services;
    }
}
