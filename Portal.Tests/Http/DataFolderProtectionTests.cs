using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Configuration;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>The portal with its Data Protection keys encrypted by a certificate.</summary>
public sealed class CertificateProtectedKeysApp : PortalAppFactory
{
    public string CertificatePath { get; } = Path.Combine(Path.GetTempPath(), $"portal-keys-{Guid.NewGuid():N}.pfx");

    public CertificateProtectedKeysApp()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Portal key protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(CertificatePath, certificate.Export(X509ContentType.Pfx, "pfx-pass"));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:DataProtection:CertificatePath", CertificatePath);
        builder.UseSetting("Portal:DataProtection:CertificatePassword", "pfx-pass");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        File.Delete(CertificatePath);
    }
}

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class DataFolderProtectionTests(CertificateProtectedKeysApp app) : IClassFixture<CertificateProtectedKeysApp>
{
    [Fact]
    public async Task KeysAreEncryptedWithTheConfiguredCertificateAndSignInStillWorks()
    {
        using var client = await app.SignedInClientAsync("alice@demo.local");

        var factory = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var key = Assert.Single(await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync()) ?? "";
        Assert.Contains("<encryptedSecret", key);
        Assert.DoesNotContain("<masterKey", key);
        Assert.DoesNotContain("unencrypted", key);
    }

    [Fact]
    public async Task TheDataFolderAndItsImagesFolderAreTheOwnersOnly()
    {
        using var client = app.CreateBrowserLikeClient();
        using var response = await client.GetAsync("/account/sign-in");
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(DataDirectory.PrivateFolderMode, File.GetUnixFileMode(app.DataFolder));
        Assert.Equal(DataDirectory.PrivateFolderMode, File.GetUnixFileMode(Path.Combine(app.DataFolder, "images")));
    }
}
