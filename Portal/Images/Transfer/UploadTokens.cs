using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Portal.Accounts;
using Portal.Configuration;

namespace Portal.Images.Transfer;

/// <summary>
/// Short-lived tokens that let the browser send one image's data straight to the upload endpoint. A token
/// is bound to the image and the caller's account, so a page of another site cannot make a signed-in
/// browser upload (the cookie alone is not enough), and a token for one image cannot fill another.
/// The token is checked when the upload starts, never again: a long upload outlives its token.
/// </summary>
public sealed class UploadTokens(IDataProtectionProvider dataProtection, TimeProvider clock, IOptions<PortalOptions> options)
{
    // The issue time travels in the payload and is checked against the injected clock: Data Protection's
    // time-limited protector would check against the real clock, which a test cannot move.
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Portal.Images.UploadToken.v2");

    public TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.Images.UploadTokenLifetimeMinutes);

    public string Issue(Guid imageId, Caller caller) =>
        _protector.Protect($"{Payload(imageId, caller)}|{clock.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture)}");

    public bool IsValid(string? token, Guid imageId, Caller caller)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        try
        {
            var payload = _protector.Unprotect(token);
            var separator = payload.LastIndexOf('|');
            if (separator < 0 || payload[..separator] != Payload(imageId, caller)
                || !long.TryParse(payload[(separator + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var issuedTicks))
            {
                return false;
            }

            var age = clock.GetUtcNow() - new DateTimeOffset(issuedTicks, TimeSpan.Zero);
            return age >= TimeSpan.Zero && age <= Lifetime;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static string Payload(Guid imageId, Caller caller) => $"{imageId:N}|{caller.AccountId:N}|{caller.UserId}";
}
