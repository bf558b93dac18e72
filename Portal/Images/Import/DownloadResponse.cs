namespace Portal.Images.Import;

/// <summary>The answer of a URL that may be downloaded: its body and what the server said about it.</summary>
public sealed class DownloadResponse : IDisposable, IAsyncDisposable
{
    private readonly HttpResponseMessage response;

    internal DownloadResponse(HttpResponseMessage response, Stream content, Uri finalUrl)
    {
        this.response = response;
        Content = content;
        FinalUrl = finalUrl;
    }

    /// <summary>
    /// The body, byte for byte as the server sent it (never decompressed). Reads fail with a retryable
    /// <see cref="ImportFailedException"/> when the server sends nothing for <see cref="ImportOptions.IdleTimeout"/>.
    /// </summary>
    public Stream Content { get; }

    /// <summary>The size the server announced, or null when it did not say (chunked transfer).</summary>
    public long? ContentLength => response.Content.Headers.ContentLength;

    public string? ContentType => response.Content.Headers.ContentType?.MediaType;

    /// <summary>The server's Content-Encoding (e.g. "gzip") when it sent the body encoded anyway; null for plain bytes.</summary>
    public string? ContentEncoding =>
        response.Content.Headers.ContentEncoding.Count == 0 ? null : string.Join(", ", response.Content.Headers.ContentEncoding);

    /// <summary>The URL the body came from, after redirects.</summary>
    public Uri FinalUrl { get; }

    public void Dispose()
    {
        Content.Dispose();
        response.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        response.Dispose();
    }
}
