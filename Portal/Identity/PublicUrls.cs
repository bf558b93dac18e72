using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Portal.Configuration;

namespace Portal.Identity;

/// <summary>
/// Where the portal's services are, as every URL it hands out names them (the catalog, clouds.yaml, next links):
/// identity under <c>{PublicUrl}/identity</c>, the image service under <c>{PublicUrl}/image</c>, as DevStack
/// serves them. Built from <c>Portal:PublicUrl</c>, never from a request's Host header; when that is not set, from
/// the address the portal listens on.
/// </summary>
public sealed class PublicUrls(IOptions<PortalOptions> options, IServer server, IHostEnvironment environment, ILogger<PublicUrls> logger)
{
    public const string IdentityPath = "/identity";
    public const string ImagePath = "/image";

    private string? _base;

    /// <summary>The portal's public address without a trailing slash, e.g. <c>https://cloud.example.com</c>.</summary>
    public string Base => _base ??= Resolve();

    public string Identity => Base + IdentityPath;

    /// <summary>The auth URL clients are given (keystoneauth discovers the versions from it).</summary>
    public string IdentityV3 => Identity + "/v3";

    public string Image => Base + ImagePath;

    public string ImageV2 => Image + "/v2";

    private string Resolve()
    {
        if (!string.IsNullOrEmpty(options.Value.PublicUrl))
        {
            return options.Value.PublicUrl.TrimEnd('/');
        }

        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost";
        var url = listening.Replace("://+", "://localhost").Replace("://*", "://localhost")
            .Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost").TrimEnd('/');
        if (!environment.IsDevelopment())
        {
            logger.LogWarning("Portal:PublicUrl is not set: the API hands out {Url}. Set it to the address customers reach the portal at.", url);
        }

        return url;
    }
}
