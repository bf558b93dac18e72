using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Images.Import;

/// <summary>
/// A Kestrel server on 127.0.0.1 (random port) that plays the image servers the downloader meets: honest,
/// redirecting, failing, stalling. Requests carrying ?probe=… are remembered so a test can prove a URL was never fetched.
/// </summary>
public sealed class LoopbackImageServer : IAsyncLifetime
{
    /// <summary>Longest any endpoint holds a request; the downloader's timeouts in the tests are far shorter.</summary>
    private static readonly TimeSpan HoldAtMost = TimeSpan.FromSeconds(20);

    public static readonly byte[] FileBody = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7 % 251)).ToArray();

    public static readonly byte[] GzipBody = Gzip(FileBody);

    /// <summary>/trickle sends this many 1 KiB chunks, <see cref="TrickleGap"/> apart.</summary>
    public const int TrickleChunks = 25;

    public static readonly TimeSpan TrickleGap = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, int> probes = new();
    private readonly ConcurrentDictionary<string, string> served = new();
    private WebApplication? app;

    public int Port { get; private set; }

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    public bool Saw(string probe) => probes.ContainsKey(probe);

    /// <summary>Serves a file at <c>/served/{name}</c>; returns its URL.</summary>
    public string Serve(string name, string path)
    {
        served[name] = path;
        return Url($"/served/{Uri.EscapeDataString(name)}");
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        app = builder.Build();
        var stopping = app.Lifetime.ApplicationStopping;

        app.Use(async (context, next) =>
        {
            if (context.Request.Query["probe"].ToString() is { Length: > 0 } probe)
            {
                probes.AddOrUpdate(probe, 1, (_, count) => count + 1);
            }

            await next(context);
        });

        app.MapGet("/file", (HttpContext context) => WriteAsync(context, FileBody));

        app.MapGet("/served/{name}", (HttpContext context, string name) =>
            served.TryGetValue(name, out var path) ? WriteFileAsync(context, path) : Task.FromResult(context.Response.StatusCode = StatusCodes.Status404NotFound));

        app.MapGet("/hop/{n:int}", (HttpContext context, int n) =>
        {
            if (n == 0)
            {
                return WriteAsync(context, FileBody);
            }

            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = $"/hop/{n - 1}{context.Request.QueryString}";
            return Task.CompletedTask;
        });

        app.MapGet("/redirect", (HttpContext context) =>
        {
            context.Response.StatusCode = int.TryParse(context.Request.Query["status"], out var status) ? status : StatusCodes.Status302Found;
            context.Response.Headers.Location = context.Request.Query["to"].ToString();
            return Task.CompletedTask;
        });

        app.MapGet("/status/{code:int}", (HttpContext context, int code) =>
        {
            context.Response.StatusCode = code;
            return code is 204 or 304 ? Task.CompletedTask : context.Response.WriteAsync("not the image");
        });

        app.MapGet("/stall", async (HttpContext context) =>
        {
            context.Response.ContentLength = FileBody.Length;
            await context.Response.Body.WriteAsync(FileBody.AsMemory(0, 1024));
            await context.Response.Body.FlushAsync();
            await HoldAsync(context, stopping);
        });

        app.MapGet("/silent", (HttpContext context) => HoldAsync(context, stopping));

        app.MapGet("/trickle", async (HttpContext context) =>
        {
            const int chunks = TrickleChunks;
            context.Response.ContentLength = chunks * 1024;
            for (var i = 0; i < chunks; i++)
            {
                await context.Response.Body.WriteAsync(FileBody.AsMemory(i * 1024, 1024), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(TrickleGap, context.RequestAborted);
            }
        });

        app.MapGet("/truncated", async (HttpContext context) =>
        {
            context.Response.ContentLength = FileBody.Length;
            await context.Response.Body.WriteAsync(FileBody.AsMemory(0, 1024));
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            context.Abort();
        });

        app.MapGet("/gzip", (HttpContext context) =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            return WriteAsync(context, GzipBody);
        });

        app.MapGet("/echo-headers", (HttpContext context) => context.Response.WriteAsync(
            $"{context.Request.Headers.UserAgent}\n{context.Request.Headers.AcceptEncoding}\n{context.Request.Host}"));

        await app.StartAsync();
        Port = new Uri(app.Urls.Single()).Port;
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task WriteFileAsync(HttpContext context, string path)
    {
        await using var file = File.OpenRead(path);
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = file.Length;
        await file.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task WriteAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task HoldAsync(HttpContext context, CancellationToken stopping)
    {
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(HoldAtMost, hold.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up or the server is stopping: either way the stall is over.
        }
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }
}
