using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>An opened source of one image's data: its stream, the length it announced, and what must be closed with it.</summary>
internal sealed record TransferSource(Stream Stream, long? Length, IAsyncDisposable? Owner = null) : IAsyncDisposable
{
    /// <summary>A download's body; the response is closed with the source.</summary>
    public static TransferSource Of(DownloadResponse response) => new(response.Content, response.ContentLength, response);

    public ValueTask DisposeAsync() => Owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}
