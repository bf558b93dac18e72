using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;

namespace Portal.Images.ObjectStore;

/// <summary>
/// The object store's https connections trusting a private certificate authority (Portal:ImageStore:S3:CaCertificateFile)
/// besides the system's: the SDK gets its HTTP clients from here. A certificate for another name is refused as ever.
/// </summary>
public sealed class S3TrustedCertificates : HttpClientFactory
{
    private readonly X509Certificate2Collection _roots;

    /// <param name="roots">Authorities trusted besides the system's (<see cref="Configuration.S3StoreOptions.TrustedCertificates"/>).</param>
    public S3TrustedCertificates(X509Certificate2Collection roots) => _roots = roots;

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Trusts(certificate, chain, errors) },
        };
        return new HttpClient(handler) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
    }

    /// <summary>The SDK keeps the client for the life of the S3 client; one is enough.</summary>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    /// <summary>
    /// Whether the store's certificate is trusted: by the system (no errors), or — when only the chain was in question —
    /// through one of the configured authorities, using the intermediate authorities the store sent
    /// (<paramref name="presented"/>, the chain the system built) or that the file holds. A wrong name is never forgiven.
    /// </summary>
    internal bool Trusts(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
