using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Images.Activity;
using Portal.Images.Import;

namespace Portal.Images.Transfer;

/// <summary>
/// At start, nothing can still be receiving data and nothing has touched the store behind the portal's back unnoticed:
/// an upload that was running when the portal stopped is put back to queued with the reason, an import is started
/// again once, partial files are removed, and every image that should have data is checked for it (presence and
/// size; re-hashing is a separate, slower job).
/// </summary>
public static class InterruptedTransfers
{
    public const string Reason = "The portal restarted while the data was arriving. Send the image again.";

    public const string ImportInterruptedAgain =
        "The portal restarted twice while this image was importing, so it was not started a third time. Retry the import when you are ready.";

    public static async Task<StartupReconciliation> RecoverAsync(
        PortalDbContext db, IImageStore store, UrlImportQueue imports, DateTime now, CancellationToken cancellationToken)
    {
        var interrupted = await db.Images
            .Where(i => i.Status == ImageStatus.Saving || i.Status == ImageStatus.Importing)
            .OrderBy(i => i.UpdatedAt).ThenBy(i => i.Id)
            .ToListAsync(cancellationToken);
        var uploadsRequeued = 0;
        var importsRequeued = 0;
        var importsRestarted = 0;
        foreach (var image in interrupted)
        {
            if (image.Status == ImageStatus.Saving)
            {
                image.AbandonTransfer(Reason, now);
                db.RecordActivity(image.Id, ImageActivityKind.UploadFailed, actor: null, now, Reason);
                uploadsRequeued++;
            }
            else if (image.MayRestartImport && imports.DecideEnqueue(image.Owner).Allowed)
            {
                // The image stays importing in the database either way, which is all the import worker looks at.
                image.RestartInterruptedImport(now);
                imports.Enqueue(image.Id, image.Owner);
                db.RecordActivity(image.Id, ImageActivityKind.ImportRestarted, actor: null, now);
                importsRestarted++;
            }
            else
            {
                var reason = image.MayRestartImport ? Reason : ImportInterruptedAgain;
                image.AbandonTransfer(reason, now);
                db.RecordActivity(image.Id, ImageActivityKind.ImportFailed, actor: null, now, reason);
                importsRequeued++;
            }
        }

        var dataMissing = 0;
        var wrongSize = 0;
        var intact = 0;
        var checksumMismatch = 0;
        var dataReturned = 0;

        // Recently deleted images keep their data until the scrubber removes it: it is checked like any other, never an orphan.
        var stored = await db.Images
            .Where(i => i.Status == ImageStatus.Active || i.Status == ImageStatus.Deactivated || i.Status == ImageStatus.PendingDelete)
            .ToListAsync(cancellationToken);
        foreach (var image in stored)
        {
            // As the background job: the log gets a finding when it differs from the last one, not every start's "intact".
            var was = image.Integrity;
            var found = await CheckStoredDataAsync(image, store, now, cancellationToken);
            if (found != was)
            {
                db.RecordIntegrityChecked(image, actor: null, now);
            }

            _ = found switch
            {
                ImageIntegrity.DataMissing => dataMissing++,
                ImageIntegrity.WrongSize => wrongSize++,
                ImageIntegrity.ChecksumMismatch => checksumMismatch++,
                ImageIntegrity.Unchecked => dataReturned++,
                _ => intact++,
            };
        }

        await db.SaveChangesAsync(cancellationToken);

        var partialFiles = await store.RemoveIncompleteWritesAsync(cancellationToken);
        return new StartupReconciliation(uploadsRequeued, importsRestarted, importsRequeued, partialFiles, dataMissing, wrongSize, intact, checksumMismatch, dataReturned);
    }

    /// <summary>
    /// Is the image's stored data there, of the size recorded when it arrived; records the answer on the image. A size
    /// that fits cannot vouch for the content: it never clears a checksum mismatch, data that was missing or of the
    /// wrong size and is back is only unchecked (the re-hashing job takes it first), and an image already intact keeps
    /// the time of its last full verification, so that a portal restarted daily still gets round to re-hashing it.
    /// </summary>
    public static async Task<ImageIntegrity> CheckStoredDataAsync(Image image, IImageStore store, DateTime now, CancellationToken cancellationToken)
    {
        var integrity = image.IntegrityBySize(await store.LengthOfAsync(image.Id, cancellationToken));
        if (integrity == ImageIntegrity.Intact && image.Integrity is ImageIntegrity.Intact or ImageIntegrity.ChecksumMismatch)
        {
            return image.Integrity;
        }

        if (integrity == ImageIntegrity.Intact && image.Integrity is ImageIntegrity.DataMissing or ImageIntegrity.WrongSize)
        {
            image.DataReturned();
            return ImageIntegrity.Unchecked;
        }

        image.RecordIntegrity(integrity, now);
        return integrity;
    }
}

/// <summary>What start-up reconciliation repaired or found, summed up in one log line.</summary>
public sealed record StartupReconciliation(
    int UploadsRequeued,
    int ImportsRestarted,
    int ImportsRequeued,
    int PartialFilesRemoved,
    int DataMissing,
    int WrongSize,
    int Intact,
    int StillChecksumMismatch = 0,
    int DataReturned = 0)
{
    public string Summary =>
        $"Start-up reconciliation: {Count(UploadsRequeued, "interrupted upload")} put back to queued, "
        + $"{Count(ImportsRestarted, "import")} restarted, {Count(ImportsRequeued, "import")} put back to queued, "
        + $"{Count(PartialFilesRemoved, "partial file")} removed, {Count(DataMissing, "image")} with missing data, "
        + $"{WrongSize} with the wrong size, {Intact} intact"
        + (StillChecksumMismatch > 0 ? $", {StillChecksumMismatch} still flagged for a checksum mismatch" : "")
        + (DataReturned > 0 ? $", {Count(DataReturned, "image")} whose missing or wrong-size data is back, to be re-hashed." : ".");

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
