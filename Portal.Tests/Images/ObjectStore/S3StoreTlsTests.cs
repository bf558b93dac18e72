using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Images.ObjectStore;
using Portal.Tests.Support;

namespace Portal.Tests.Images.ObjectStore;

/// <summary>
/// The object store over https (a real Swift whose proxy has a certificate of the test's own authority): trusted only
/// through Portal:ImageStore:S3:CaCertificateFile, and then the parts go unsigned.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class S3StoreTlsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task OverHttpsTheStoreTrustsTheConfiguredAuthorityAndSendsPartsUnsigned()
    {
        var swift = await SwiftServer.SharedTlsAsync();
        var store = new S3ImageStore(swift.StoreOptions(), NullLogger<S3ImageStore>.Instance);
        var id = Guid.NewGuid();
        var content = RandomNumberGenerator.GetBytes((5 << 20) + 3);

        await using (var writer = await store.BeginWriteAsync(id, CancellationToken.None))
        {
            await writer.WriteAsync(content, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        Assert.Equal("https", swift.ServiceUrl.Scheme);
        Assert.False(store.SignsPayload);
        await using var read = await store.OpenReadAsync(id, CancellationToken.None);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task OverPlainHttpEveryPartIsSigned()
    {
        var swift = await SwiftServer.SharedAsync();

        Assert.True(new S3ImageStore(swift.StoreOptions(), NullLogger<S3ImageStore>.Instance).SignsPayload);
    }

    [Fact]
    public async Task WithoutTheAuthorityTheStoreIsNotTrusted()
    {
        var options = (await SwiftServer.SharedTlsAsync()).StoreOptions();
        options.CaCertificateFile = null;

        await AssertNotTrustedAsync(options);
    }

    [Fact]
    public async Task AnotherAuthorityIsNotTrustedEither()
    {
        var options = (await SwiftServer.SharedTlsAsync()).StoreOptions();
        options.CaCertificateFile = Path.Combine(_folder, "other-authority.pem");
        using var other = TestCertificates.NewAuthority("Some other authority");
        await File.WriteAllTextAsync(options.CaCertificateFile, other.ExportCertificatePem());

        await AssertNotTrustedAsync(options);
    }

    /// <summary>The store refuses the proxy's certificate: the TLS handshake fails, whatever wraps that failure.</summary>
    private static async Task AssertNotTrustedAsync(Configuration.S3StoreOptions options)
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => new S3ImageStore(options, NullLogger<S3ImageStore>.Instance).ExistsAsync(Guid.NewGuid(), CancellationToken.None));

        var causes = new List<Exception>();
        for (Exception? cause = refused; cause is not null; cause = cause.InnerException)
        {
            causes.Add(cause);
        }

        Assert.Contains(causes, e => e is System.Security.Authentication.AuthenticationException);
    }
}
