using Microsoft.AspNetCore.DataProtection;
using Portal.Accounts;

namespace Portal.Images.Transfer;

/// <summary>
/// Short-lived tokens that let the browser send one image's data straight to the upload endpoint. A token
/// is bound to the image and the caller's account, so a page of another site cannot make a signed-in
/// browser upload (the cookie alone is not enough), and a token for one image cannot fill another.
/// </summary>
public sealed class UploadTokens(IDataProtectionProvider dataProtection, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(6);

    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("Portal.Images.UploadToken.v1").ToTimeLimitedDataProtector();

    public string Issue(Guid imageId, Caller caller) =>
        _protector.Protect(Payload(imageId, caller), clock.GetUtcNow() + Lifetime);

    public bool IsValid(string? token, Guid imageId, Caller caller)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        try
        {
            var payload = _protector.Unprotect(token, out var expiration);
            return expiration > clock.GetUtcNow() && payload == Payload(imageId, caller);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static string Payload(Guid imageId, Caller caller) => $"{imageId:N}|{caller.AccountId:N}|{caller.UserId}";
}
