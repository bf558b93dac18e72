using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>Where a transfer's data comes from: the customer's upload, or the portal's own download of a URL.</summary>
public enum TransferKind
{
    Upload,
    Import,
}

internal static class TransferKindExtensions
{
    /// <summary>The word a quota refusal uses ("This upload would take …").</summary>
    public static string Noun(this TransferKind kind) => kind == TransferKind.Import ? "import" : "upload";

    /// <summary>
    /// What a failing read of the source becomes. It is the source's fault, not the portal's: an upload's client went
    /// away (the customer sends it again), a download's server stopped (the import may be retried).
    /// </summary>
    public static Exception SourceFailure(this TransferKind kind, bool stalled, TimeSpan idleTimeout, Exception cause) => kind switch
    {
        TransferKind.Import when stalled => new ImportFailedException(
            $"The server stopped sending the file for {idleTimeout.TotalSeconds:0.#} seconds. Try again later.", permanent: false, cause),
        TransferKind.Import => cause as ImportFailedException
            ?? new ImportFailedException("The connection to the server was lost during the download. Try again later.", permanent: false, cause),
        _ when stalled => new TransferInterruptedException(
            $"No data arrived for {idleTimeout.TotalSeconds:0} seconds. {ImageTransferService.UploadStoppedReason}", cause),
        _ => new TransferInterruptedException(ImageTransferService.UploadStoppedReason, cause),
    };

    /// <summary>The image's reason when the transfer was cancelled without anyone asking for it (client gone, shutdown).</summary>
    public static string StoppedReason(this TransferKind kind) =>
        kind == TransferKind.Import ? "The import stopped before it finished." : ImageTransferService.UploadStoppedReason;
}
