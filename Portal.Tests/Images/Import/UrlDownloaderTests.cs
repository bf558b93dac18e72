using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Images.Import;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Import;

/// <summary>The downloader against a real HTTP server on 127.0.0.1; nothing here leaves the machine.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class UrlDownloaderTests(LoopbackImageServer server) : IClassFixture<LoopbackImageServer>
{
    /// <summary>The downloader's clock: timeouts pass only when a test moves it.</summary>
    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task Downloads_the_body_byte_for_byte_with_its_content_length()
    {
        using var downloader = Downloader();

        await using var response = await downloader.OpenAsync(server.Url("/file"));

        Assert.Equal(LoopbackImageServer.FileBody.Length, response.ContentLength);
        Assert.Equal("application/octet-stream", response.ContentType);
        Assert.Equal(server.Url("/file"), response.FinalUrl.AbsoluteUri);
        Assert.Equal(LoopbackImageServer.FileBody, await ReadAllAsync(response.Content));
    }

    [Fact]
    public async Task Follows_a_two_hop_redirect_chain_to_the_file()
    {
        using var downloader = Downloader();

        await using var response = await downloader.OpenAsync(server.Url("/hop/2"));

        Assert.Equal(server.Url("/hop/0"), response.FinalUrl.AbsoluteUri);
        Assert.Equal(LoopbackImageServer.FileBody, await ReadAllAsync(response.Content));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Follows_every_redirect_status_to_an_absolute_location(int status)
    {
        using var downloader = Downloader();

        await using var response = await downloader.OpenAsync(server.Url($"/redirect?status={status}&to={Uri.EscapeDataString(server.Url("/file"))}"));

        Assert.Equal(server.Url("/file"), response.FinalUrl.AbsoluteUri);
        Assert.Equal(LoopbackImageServer.FileBody, await ReadAllAsync(response.Content));
    }

    [Fact]
    public async Task Refuses_a_redirect_to_a_private_address_without_connecting_to_it()
    {
        var dialled = new ConcurrentQueue<string>();
        using var downloader = Downloader(resolve: (host, ct) =>
        {
            dialled.Enqueue(host);
            return UrlDownloader.ResolveAsync(host, ct);
        });

        var failure = await Assert.ThrowsAsync<ImportFailedException>(
            () => downloader.OpenAsync(server.Url($"/redirect?to={Uri.EscapeDataString("http://10.0.0.1/")}")));

        Assert.True(failure.Permanent);
        Assert.Contains("private network", failure.Message);
        Assert.Equal(["127.0.0.1"], dialled);
    }

    [Fact]
    public async Task Refuses_a_redirect_to_the_cloud_metadata_service()
    {
        var dialled = new ConcurrentQueue<string>();
        using var downloader = Downloader(resolve: (host, ct) =>
        {
            dialled.Enqueue(host);
            return UrlDownloader.ResolveAsync(host, ct);
        });

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(
            server.Url($"/redirect?status=307&to={Uri.EscapeDataString("http://169.254.169.254/latest/meta-data/")}")));

        Assert.True(failure.Permanent);
        Assert.Contains("private network", failure.Message);
        Assert.DoesNotContain("169.254.169.254", dialled);
    }

    [Fact]
    public async Task Refuses_a_scheme_relative_redirect_to_a_decimal_written_loopback_address()
    {
        using var downloader = Downloader();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(
            server.Url($"/redirect?to={Uri.EscapeDataString($"//2130706433:{server.Port}/file")}")));

        Assert.True(failure.Permanent);
        Assert.Contains("decimal, hex or octal", failure.Message);
    }

    [Fact]
    public async Task Follows_exactly_MaxRedirects_redirects_and_refuses_one_more()
    {
        using var downloader = Downloader(options => options.MaxRedirects = 3);

        await using (var response = await downloader.OpenAsync(server.Url("/hop/3")))
        {
            Assert.Equal(LoopbackImageServer.FileBody, await ReadAllAsync(response.Content));
        }

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(server.Url("/hop/4")));
        Assert.True(failure.Permanent);
        Assert.Contains("more than 3 times", failure.Message);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(400)]
    [InlineData(204)]
    public async Task Answers_that_retrying_cannot_change_fail_permanently(int status)
    {
        using var downloader = Downloader();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(server.Url($"/status/{status}")));

        Assert.True(failure.Permanent);
        Assert.Equal(status, failure.StatusCode);
        Assert.Contains($"HTTP {status}", failure.Message);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task Server_trouble_fails_as_retryable(int status)
    {
        using var downloader = Downloader();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(server.Url($"/status/{status}")));

        Assert.False(failure.Permanent);
        Assert.Equal(status, failure.StatusCode);
    }

    [Fact]
    public async Task Fails_as_retryable_when_the_server_stalls_after_the_headers()
    {
        using var downloader = Downloader(options => options.IdleTimeout = TimeSpan.FromMinutes(10));
        await using var response = await downloader.OpenAsync(server.Url("/stall"));
        var buffer = new byte[LoopbackImageServer.FileBody.Length];
        for (var received = 0; received < 1024;)
        {
            received += await response.Content.ReadAsync(buffer.AsMemory(received));
        }

        // The server sends nothing more; only the idle timeout on the test's clock ends the wait.
        var stalled = response.Content.ReadAsync(buffer).AsTask();
        Assert.False(stalled.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(10));

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => stalled);
        Assert.False(failure.Permanent);
        Assert.Contains("stopped sending the file for 600 seconds", failure.Message);
    }

    [Fact]
    public async Task Fails_as_retryable_when_the_server_never_answers()
    {
        using var downloader = Downloader(options =>
        {
            options.ConnectTimeout = TimeSpan.FromMinutes(1);
            options.IdleTimeout = TimeSpan.FromMinutes(10);
        });
        var probe = NewProbe();

        var opening = downloader.OpenAsync(server.Url($"/silent?probe={probe}"));
        await Eventually.TrueAsync(() => server.Saw(probe));
        time.Advance(TimeSpan.FromMinutes(11));

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => opening);
        Assert.False(failure.Permanent);
        Assert.Contains("did not answer in time", failure.Message);
    }

    [Fact]
    public async Task Fails_as_retryable_when_the_connection_cannot_be_opened_in_time()
    {
        var connecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var downloader = Downloader(
            options =>
            {
                options.ConnectTimeout = TimeSpan.FromMinutes(1);
                options.IdleTimeout = TimeSpan.FromMinutes(10);
            },
            async (_, cancellationToken) =>
            {
                // A name server that never answers: opening the connection can only end by its timeout.
                connecting.SetResult();
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
                return [];
            });

        var opening = downloader.OpenAsync($"http://images.example.com:{server.Port}/file");
        await connecting.Task;
        time.Advance(TimeSpan.FromMinutes(1));

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => opening);
        Assert.False(failure.Permanent);
        Assert.Contains("Could not connect to the server in time", failure.Message);
    }

    [Fact]
    public async Task Keeps_a_slow_but_steady_download_going_past_the_idle_timeout()
    {
        var idle = TimeSpan.FromMinutes(1);
        using var downloader = Downloader(options => options.IdleTimeout = idle);
        await using var response = await downloader.OpenAsync(server.Url("/trickle"));
        var started = time.GetUtcNow();
        using var body = new MemoryStream();
        var buffer = new byte[4096];

        // Each chunk keeps the download alive: waiting most of the idle timeout for every one of them, on the test's
        // clock, adds up to many idle timeouts without ending the download.
        for (var read = -1; read != 0;)
        {
            var next = response.Content.ReadAsync(buffer).AsTask();
            time.Advance(idle * 0.9);
            read = await next;
            body.Write(buffer, 0, read);
        }

        Assert.Equal(LoopbackImageServer.FileBody.AsSpan(0, LoopbackImageServer.TrickleChunks * 1024).ToArray(), body.ToArray());
        Assert.True(time.GetUtcNow() - started > idle * 2, $"only {time.GetUtcNow() - started} passed on the test's clock");
    }

    [Fact]
    public async Task Fails_as_retryable_when_the_connection_drops_before_the_announced_length()
    {
        using var downloader = Downloader();

        // Usually the reset arrives while the body is read; should it overtake the headers, the answer is the same.
        var failure = await Assert.ThrowsAsync<ImportFailedException>(async () =>
        {
            await using var response = await downloader.OpenAsync(server.Url("/truncated"));
            await ReadAllAsync(response.Content);
        });

        Assert.False(failure.Permanent);
        Assert.Contains("connection", failure.Message);
    }

    [Fact]
    public async Task Refuses_the_loopback_server_when_loopback_is_not_allowed()
    {
        using var downloader = Downloader(options => options.AllowLoopback = false);
        var probe = NewProbe();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(server.Url($"/file?probe={probe}")));

        Assert.True(failure.Permanent);
        Assert.False(server.Saw(probe));
    }

    [Fact]
    public async Task Refuses_at_connect_time_a_public_looking_name_that_resolves_to_loopback()
    {
        // DNS rebinding: the name passes the URL check; only the connect-time check sees where it really points.
        var resolved = new ConcurrentQueue<string>();
        using var downloader = Downloader(
            options => options.AllowLoopback = false,
            (host, _) =>
            {
                resolved.Enqueue(host);
                return Task.FromResult(new[] { IPAddress.Loopback });
            });
        var probe = NewProbe();
        var url = $"http://images.example.com:{server.Port}/file?probe={probe}";
        Assert.True(Policy(options => options.AllowLoopback = false).CheckUrl(url).IsAllowed);

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync(url));

        Assert.True(failure.Permanent);
        Assert.Contains("portal's own servers", failure.Message);
        Assert.Equal(["images.example.com"], resolved);
        Assert.False(server.Saw(probe));
    }

    [Fact]
    public async Task Connects_to_the_resolved_address_and_keeps_the_host_name_in_the_request()
    {
        using var downloader = Downloader(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        await using var response = await downloader.OpenAsync($"http://images.example.com:{server.Port}/echo-headers");

        var lines = Encoding.UTF8.GetString(await ReadAllAsync(response.Content)).Split('\n');
        Assert.Equal($"images.example.com:{server.Port}", lines[2]);
    }

    [Fact]
    public async Task Refuses_a_name_whose_answers_mix_an_allowed_and_a_private_address()
    {
        using var downloader = Downloader(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.Parse("10.0.0.1") }));
        var probe = NewProbe();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(
            () => downloader.OpenAsync($"http://images.example.com:{server.Port}/file?probe={probe}"));

        Assert.True(failure.Permanent);
        Assert.Contains("private network", failure.Message);
        Assert.False(server.Saw(probe));
    }

    [Fact]
    public async Task Refuses_a_name_that_resolves_to_loopback_wrapped_in_IPv6_even_when_loopback_is_allowed()
    {
        using var downloader = Downloader(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Parse("::ffff:127.0.0.1") }));
        var probe = NewProbe();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(
            () => downloader.OpenAsync($"http://images.example.com:{server.Port}/file?probe={probe}"));

        Assert.True(failure.Permanent);
        Assert.False(server.Saw(probe));
    }

    [Fact]
    public async Task Downloads_from_localhost_through_the_system_resolver_when_loopback_is_allowed()
    {
        using var downloader = Downloader();

        await using var response = await downloader.OpenAsync($"http://localhost:{server.Port}/file");

        Assert.Equal(LoopbackImageServer.FileBody, await ReadAllAsync(response.Content));
    }

    [Fact]
    public async Task A_host_name_that_does_not_exist_fails_permanently()
    {
        using var downloader = Downloader(resolve: (_, _) => throw new SocketException((int)SocketError.HostNotFound));

        var failure = await Assert.ThrowsAsync<ImportFailedException>(
            () => downloader.OpenAsync($"http://no-such-host.example.com:{server.Port}/file"));

        Assert.True(failure.Permanent);
        Assert.Contains("does not exist", failure.Message);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_fails_as_retryable()
    {
        var closedPort = ClosedLoopbackPort();
        using var downloader = Downloader(options => options.AllowedPorts = [closedPort]);

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => downloader.OpenAsync($"http://127.0.0.1:{closedPort}/file"));

        Assert.False(failure.Permanent);
    }

    [Fact]
    public async Task Hands_over_a_gzip_encoded_body_without_decompressing_it()
    {
        using var downloader = Downloader();

        await using var response = await downloader.OpenAsync(server.Url("/gzip"));

        Assert.Equal("gzip", response.ContentEncoding);
        Assert.Equal(LoopbackImageServer.GzipBody, await ReadAllAsync(response.Content));
    }

    [Fact]
    public async Task Sends_the_configured_user_agent_and_asks_for_unencoded_bytes()
    {
        using var downloader = Downloader(options => options.UserAgent = "Portal-test/2.0");

        await using var response = await downloader.OpenAsync(server.Url("/echo-headers"));

        var lines = Encoding.UTF8.GetString(await ReadAllAsync(response.Content)).Split('\n');
        Assert.Equal("Portal-test/2.0", lines[0]);
        Assert.Equal("identity", lines[1]);
    }

    [Fact]
    public async Task Gives_up_when_the_caller_cancels()
    {
        using var downloader = Downloader();
        using var cancel = new CancellationTokenSource();
        var probe = NewProbe();

        var opening = downloader.OpenAsync(server.Url($"/silent?probe={probe}"), cancel.Token);
        await Eventually.TrueAsync(() => server.Saw(probe));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening);
    }

    private UrlDownloader Downloader(
        Action<ImportOptions>? configure = null, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        var options = Settings(configure);
        return new UrlDownloader(options, new ImportUrlPolicy(Options.Create(options)), time,
            NullLogger.Instance, resolve ?? UrlDownloader.ResolveAsync);
    }

    private ImportUrlPolicy Policy(Action<ImportOptions> configure) =>
        new(Options.Create(Settings(configure)));

    private ImportOptions Settings(Action<ImportOptions>? configure)
    {
        var options = new ImportOptions
        {
            AllowLoopback = true,
            AllowedPorts = [80, 443, server.Port],
            ConnectTimeout = TimeSpan.FromSeconds(2),
            IdleTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }

    private static string NewProbe() => Guid.NewGuid().ToString("N");

    private static async Task<byte[]> ReadAllAsync(Stream content)
    {
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static int ClosedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
