using Portal.Accounts;

namespace Portal.Images.Details;

/// <summary>
/// What the signed-in caller may do with the image on its details page. Each answer asks the entity's own rule, once,
/// and the cards bind to the answers instead of restating a condition; when the domain answers "allowed, or why not"
/// itself, only this file changes.
/// </summary>
public sealed record ImagePermissions(
    bool Change,
    bool ChangeDiskFormat,
    bool CancelImport,
    bool SendData,
    bool RetryImport,
    string? DeleteBlockedReason,
    bool Deactivate,
    bool Reactivate)
{
    public bool Delete => DeleteBlockedReason is null;

    public static ImagePermissions Of(Image image, Caller caller)
    {
        var change = image.IsChangeableBy(caller);
        var sendData = change && image.CanReceiveData;
        var operatorChange = change && caller.IsOperator;
        return new ImagePermissions(
            Change: change,
            ChangeDiskFormat: change && image.CanReceiveData,
            CancelImport: change && image.Status == ImageStatus.Importing,
            SendData: sendData,
            RetryImport: sendData && image.ImportUrl is not null,
            DeleteBlockedReason: change ? image.DeleteBlockedReason : "Only the platform operator can delete public images.",
            Deactivate: operatorChange && image.Status == ImageStatus.Active,
            Reactivate: operatorChange && image.Status == ImageStatus.Deactivated);
    }
}
