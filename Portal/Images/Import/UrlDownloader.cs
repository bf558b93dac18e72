using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Portal.Images.Import;

/// <summary>
/// Opens the download of an image URL without letting the customer reach anything but the public internet:
/// every URL (the first and each redirect) passes <see cref="ImportUrlPolicy.CheckUrl"/>, and every connection
/// goes to an address that passed <see cref="ImportUrlPolicy.CheckAddress"/> right before it was dialled.
/// </summary>
public sealed class UrlDownloader : IDisposable
{
    private readonly ImportOptions settings;
    private readonly ImportUrlPolicy policy;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> resolve;
    private readonly HttpClient client;

    public UrlDownloader(IOptions<ImportOptions> options, ImportUrlPolicy policy, TimeProvider clock, ILogger<UrlDownloader> logger)
        : this(options.Value, policy, clock, logger, ResolveAsync)
    {
    }

    /// <summary>Tests replace <paramref name="resolve"/> to play a DNS server (rebinding, mixed answers).</summary>
    internal UrlDownloader(
        ImportOptions settings, ImportUrlPolicy policy, TimeProvider clock, ILogger logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        this.settings = settings;
        this.policy = policy;
        this.clock = clock;
        this.logger = logger;
        this.resolve = resolve;
        client = new HttpClient(
            new SocketsHttpHandler
            {
                // Redirects are followed by hand so that each target is checked before anything connects to it.
                AllowAutoRedirect = false,
                // A proxy would do the DNS lookup and the connection itself, out of reach of ConnectAsync's check.
                UseProxy = false,
                // Image bytes are stored exactly as the server sent them.
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                // ConnectAsync bounds the connection by ConnectTimeout on the injected clock.
                ConnectTimeout = Timeout.InfiniteTimeSpan,
                ConnectCallback = ConnectAsync,
                // Trace ids of the portal's own requests are none of the remote server's business.
                ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            },
            disposeHandler: true)
        {
            // Image downloads may take hours; IdleTimeout bounds each wait instead.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Follows the URL (and at most <see cref="ImportOptions.MaxRedirects"/> redirects) and returns the body of
    /// the final answer, to be read and disposed by the caller.
    /// </summary>
    /// <exception cref="ImportFailedException">The URL, an address or the server's answer did not allow the download.</exception>
    public async Task<DownloadResponse> OpenAsync(string url, CancellationToken cancellationToken = default)
    {
        var check = policy.CheckUrl(url);
        if (!check.IsAllowed)
        {
            throw new ImportFailedException(check.Reason, permanent: true);
        }

        var current = check.Url;
        for (var redirects = 0; ; redirects++)
        {
            var response = await SendAsync(current, cancellationToken);
            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.NonValidated.TryGetValues("Location", out var values) && values.Count == 1
                    ? values.ToString()
                    : null;
                response.Dispose();
                if (redirects >= settings.MaxRedirects)
                {
                    throw new ImportFailedException(
                        $"The URL redirects more than {settings.MaxRedirects} times; use the final download URL.", permanent: true);
                }

                current = FollowRedirect(policy, current, location);
                // Only the host: redirect URLs often carry signatures that must not end up in logs.
                logger.LogDebug("Import redirected to {Host}", current.Host);
                continue;
            }

            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NonAuthoritativeInformation)
            {
                try
                {
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var guarded = new Transfer.SourceStream(body, settings.IdleTimeout, clock, (idle, e) => idle
                        ? new ImportFailedException($"The server stopped sending the file for {settings.IdleTimeout.TotalSeconds:0.#} seconds. Try again later.", permanent: false, e)
                        : e as ImportFailedException ?? new ImportFailedException("The connection to the server was lost during the download. Try again later.", permanent: false, e));
                    return new DownloadResponse(response, guarded, current);
                }
                catch
                {
                    response.Dispose();
                    throw;
                }
            }

            response.Dispose();
            throw StatusFailure(response.StatusCode);
        }
    }

    public void Dispose() => client.Dispose();

    /// <summary>
    /// The next URL of a redirect. It is checked like a URL typed by the customer, in the form the server wrote it,
    /// before anything connects to it.
    /// </summary>
    internal static Uri FollowRedirect(ImportUrlPolicy policy, Uri current, string? location)
    {
        location = location?.Trim();
        if (string.IsNullOrEmpty(location) || !Uri.TryCreate(current, location, out var resolved))
        {
            throw new ImportFailedException("The server answered with a redirect that has no valid target.", permanent: true);
        }

        // Absolute and scheme-relative targets may name a new host: judge them as written, not as Uri rewrote them.
        var candidate = location.StartsWith("//", StringComparison.Ordinal) ? current.Scheme + ":" + location
            : ImportUrlPolicy.SchemeLength(location) > 0 ? location
            : resolved.AbsoluteUri;
        var check = policy.CheckUrl(candidate);
        if (!check.IsAllowed)
        {
            throw new ImportFailedException($"The URL redirects to one that cannot be imported from. {check.Reason}", permanent: true);
        }

        // An https download that continues over plain http could be altered on the way; HttpClient refuses it too.
        if (current.Scheme == Uri.UriSchemeHttps && check.Url.Scheme == Uri.UriSchemeHttp)
        {
            throw new ImportFailedException("The URL redirects from https to plain http, which is not followed.", permanent: true);
        }

        return check.Url;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url)
        {
            // HTTP/3 runs over QUIC, which never goes through ConnectCallback; stay on TCP.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.TryAddWithoutValidation("User-Agent", settings.UserAgent);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");

        using var answerTimeout = new CancellationTokenSource(settings.ConnectTimeout + settings.IdleTimeout, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, answerTimeout.Token);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, either.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImportFailedException("The server did not answer in time. Try again later.", permanent: false, e);
        }
        catch (HttpRequestException e)
        {
            throw Translate(e);
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        using var connectTimeout = new CancellationTokenSource(settings.ConnectTimeout, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token);
        try
        {
            return await ConnectCheckedAsync(context.DnsEndPoint, either.Token);
        }
        catch (OperationCanceledException e) when (connectTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ImportFailedException("Could not connect to the server in time. Try again later.", permanent: false, e);
        }
    }

    private async Task<Stream> ConnectCheckedAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var host = endPoint.Host.Trim('[', ']');
        IPAddress[] addresses;
        try
        {
            addresses = await resolve(host, cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            throw new ImportFailedException("The host name in the URL does not exist.", permanent: true, e);
        }
        catch (SocketException e)
        {
            throw new ImportFailedException("The host name in the URL could not be looked up. Try again later.", permanent: false, e);
        }

        if (addresses.Length == 0)
        {
            throw new ImportFailedException("The host name in the URL does not exist.", permanent: true);
        }

        // All answers are judged before any is used: a name that mixes public and internal addresses is either
        // broken or an attack hoping the client falls back to the internal one.
        foreach (var address in addresses)
        {
            var verdict = policy.CheckAddress(address);
            if (!verdict.IsAllowed)
            {
                logger.LogWarning("Import refused: {Host} resolves to {Address} ({Range})", host, address, verdict.Range);
                throw new ImportFailedException(verdict.Reason, permanent: true);
            }
        }

        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            // Connect to the very address that was checked, never to the name: a second lookup could answer
            // differently (DNS rebinding).
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, endPoint.Port), cancellationToken);
                if (socket.RemoteEndPoint is not IPEndPoint remote
                    || !remote.Address.Equals(target)
                    || policy.CheckAddress(remote.Address) is { IsAllowed: false })
                {
                    logger.LogWarning("Import refused: connected to {Remote} instead of {Address}", socket.RemoteEndPoint, target);
                    throw new ImportFailedException("That address cannot be imported from.", permanent: true);
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                lastError = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new ImportFailedException("Could not connect to the server. Try again later.", permanent: false, lastError);
    }

    internal static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static ImportFailedException StatusFailure(HttpStatusCode status)
    {
        var code = (int)status;
        var (message, permanent) = status switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Gone => ($"The file was not found at that URL (HTTP {code}).", true),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                ($"The server refused access to the file (HTTP {code}); use a link that downloads without signing in.", true),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests =>
                ($"The server is busy (HTTP {code}). Try again later.", false),
            _ when code >= 500 => ($"The server had a problem (HTTP {code}). Try again later.", false),
            _ => ($"The server did not send the file (HTTP {code}).", true),
        };
        return new ImportFailedException(message, permanent) { StatusCode = code };
    }

    private static ImportFailedException Translate(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is ImportFailedException refused)
            {
                return refused;
            }
        }

        return e.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => new ImportFailedException(
                "The secure (https) connection to the server failed; its certificate may not be valid.", permanent: true, e),
            HttpRequestError.NameResolutionError => new ImportFailedException(
                "The host name in the URL does not exist.", permanent: true, e),
            _ => new ImportFailedException("The connection to the server failed. Try again later.", permanent: false, e),
        };
    }
}
