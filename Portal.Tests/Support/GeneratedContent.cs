using System.Net;
using System.Security.Cryptography;

namespace Portal.Tests.Support;

/// <summary>
/// A request body of any length generated on the fly (never held in memory), hashed as it is sent so the
/// test knows the MD5 and SHA-512 the server must arrive at. Mostly zeros with a marker every 64 MiB,
/// so the stored file stays sparse.
/// </summary>
public sealed class GeneratedContent(long length, TaskCompletionSource? pauseAfterFirstChunk = null) : HttpContent
{
    private const int Block = 1 << 20;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);

    public long Length { get; } = length;
    public string Md5 { get; private set; } = string.Empty;
    public string Sha512 { get; private set; } = string.Empty;

    /// <summary>Completes once the first megabyte is on its way (for tests that abort mid-upload).</summary>
    public TaskCompletionSource FirstChunkSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = new byte[Block];
        for (long offset = 0; offset < Length; offset += Block)
        {
            var count = (int)Math.Min(Block, Length - offset);
            Array.Clear(buffer);
            if (offset % (64L << 20) == 0)
            {
                BitConverter.TryWriteBytes(buffer, offset);
                buffer[8] = 0x5A;
            }

            _md5.AppendData(buffer, 0, count);
            _sha512.AppendData(buffer, 0, count);
            await stream.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
            if (offset == 0)
            {
                await stream.FlushAsync(cancellationToken);
                FirstChunkSent.TrySetResult();
                if (pauseAfterFirstChunk is not null)
                {
                    await pauseAfterFirstChunk.Task.WaitAsync(cancellationToken);
                }
            }
        }

        Md5 = Convert.ToHexStringLower(_md5.GetHashAndReset());
        Sha512 = Convert.ToHexStringLower(_sha512.GetHashAndReset());
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = Length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
            _sha512.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The same body sent with chunked transfer encoding: the server cannot know the size in advance.</summary>
public sealed class ChunkedContent(HttpContent inner) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        inner.CopyToAsync(stream, context, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
