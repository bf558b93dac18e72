using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// The whole portal in this process on a real Kestrel loopback port, with a temporary data folder: the code
/// and configuration that serve customers (the default quota included), only without the demo catalog and
/// with quieter logs, so that the benchmark's table stays readable.
/// </summary>
public sealed class BenchmarkPortal : KestrelPortal
{
    public const string Email = "alice@demo.local";

    public BenchmarkPortal()
    {
        With("Logging:LogLevel:Default", "Warning");
        With("Logging:LogLevel:Microsoft.AspNetCore.DataProtection", "Error");
        With("Portal:Demo:SeedCatalog", "false");
    }

    /// <summary>
    /// What the server logged as a problem: errors, and warnings of Blazor's circuits and components (an exception a
    /// page's error boundary caught, a circuit that failed), which a browser never sees.
    /// </summary>
    public ConcurrentQueue<string> ServerProblems { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(new ProblemLog(ServerProblems)));
    }

    /// <summary>Signs in through the form, as a browser does, and keeps the session cookie where curl reads it (<c>-b</c>).</summary>
    public async Task<string> SignInCookieJarAsync(string folder)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = BaseAddress,
        };
        using var response = await PostSignInAsync(client, Email, DemoPassword);
        if (response.StatusCode != HttpStatusCode.Redirect || cookies.GetCookies(BaseAddress).Count == 0)
        {
            throw new InvalidOperationException($"Signing in as {Email} failed: {(int)response.StatusCode}.");
        }

        // Netscape cookie file format, which curl reads.
        var jar = Path.Combine(folder, "cookies.txt");
        await File.WriteAllLinesAsync(jar, cookies.GetCookies(BaseAddress).Select(c =>
            $"{BaseAddress.Host}\tFALSE\t{c.Path}\tFALSE\t0\t{c.Name}\t{c.Value}"));
        return jar;
    }

    public Task<(Image Image, string Token)> NewQueuedImageAsync(string name) => NewQueuedImageAsync(Email, name);

    /// <summary>Deletes an uploaded image (and its data) so that every round starts from the same disk state.</summary>
    public async Task DeleteImageAsync(Guid id) =>
        await Services.GetRequiredService<ImageService>().DeleteAsync(await CallerAsync(Email), id);

    public string StoredPath(Guid id) => Path.Combine(ImagesFolder, id.ToString("D"));
}

internal sealed class ProblemLog(ConcurrentQueue<string> problems) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, problems);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> problems) : ILogger
    {
        private readonly bool _blazor = category.StartsWith("Microsoft.AspNetCore.Components", StringComparison.Ordinal)
            || category.StartsWith("Microsoft.AspNetCore.SignalR", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error || (_blazor && logLevel >= LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                problems.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }
    }
}
