using Microsoft.JSInterop;

namespace Portal.Tests.Support;

/// <summary>A browser Blob handed to .NET (IJSStreamReference), holding bytes the test chose.</summary>
public sealed class BytesStreamReference(byte[] bytes) : IJSStreamReference
{
    public long Length => bytes.Length;

    public ValueTask<Stream> OpenReadStreamAsync(long maxAllowedSize = 512000, CancellationToken cancellationToken = default)
    {
        // As Blazor's own reference does: a caller that did not allow for the whole Blob gets nothing.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Length, maxAllowedSize, nameof(Length));
        return ValueTask.FromResult<Stream>(new MemoryStream(bytes, writable: false));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
