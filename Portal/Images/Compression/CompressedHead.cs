namespace Portal.Images.Compression;

/// <summary>
/// The start of a compressed file, decompressed in memory so that the create form can tell the disk format inside
/// before the upload starts: only a preview (the server decompresses and inspects every byte in any case).
/// </summary>
public static class CompressedHead
{
    /// <summary>Up to <paramref name="maxBytes"/> decompressed bytes of the first bytes of a compressed file; those decompressed before the cut.</summary>
    public static async Task<byte[]> DecompressAsync(ReadOnlyMemory<byte> head, SourceCompression compression, int maxBytes)
    {
        var output = new MemoryStream();
        try
        {
            await using var decompressor = await compression.OpenDecompressorAsync(new MemoryStream(head.ToArray(), writable: false), CancellationToken.None);
            var buffer = new byte[64 << 10];
            int read;
            while (output.Length < maxBytes && (read = await decompressor.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, (int)Math.Min(read, maxBytes - output.Length));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The head is cut where the browser stopped reading: the decompressor fails there, after what matters.
        }

        return output.ToArray();
    }
}
