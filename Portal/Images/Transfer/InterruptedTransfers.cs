using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Images.Transfer;

/// <summary>
/// At start, nothing can still be receiving data: a transfer that was running when the portal stopped
/// is put back to queued with the reason, and its partial file is removed.
/// </summary>
public static class InterruptedTransfers
{
    public const string Reason = "The portal restarted while the data was arriving. Send the image again.";

    public static async Task<int> RecoverAsync(PortalDbContext db, IImageStore store, DateTime now, CancellationToken cancellationToken)
    {
        var interrupted = await db.Images
            .Where(i => i.Status == ImageStatus.Saving || i.Status == ImageStatus.Importing)
            .ToListAsync(cancellationToken);
        foreach (var image in interrupted)
        {
            image.AbandonTransfer(Reason, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        store.RemoveIncompleteWrites();
        return interrupted.Count;
    }
}
