using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portal.Images.ObjectStore;
using Portal.Tests.Support;

namespace Portal.Tests.Images.ObjectStore;

/// <summary>
/// Which store certificates Portal:ImageStore:S3:CaCertificateFile makes trusted: a cloud's root authority, an
/// intermediate authority sent by the store or kept in the file, never another authority or a wrong name.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class S3TrustedCertificatesTests : IDisposable
{
    private readonly X509Certificate2 _root = TestCertificates.NewAuthority("Cloud root");
    private readonly X509Certificate2 _intermediate;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _server;

    public S3TrustedCertificatesTests()
    {
        _intermediate = TestCertificates.NewAuthority("Cloud issuing authority", _root);
        _server = TestCertificates.NewServerCertificate(_intermediate, _key);
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
        _intermediate.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void TheRootTrustsAStoreThatSendsItsIntermediateAuthority()
    {
        using var sent = ChainTheSystemBuilt(_intermediate);

        Assert.True(Trusting(_root).Trusts(_server, sent, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void AnIntermediateTheStoreDoesNotSendMustBeInTheFile()
    {
        Assert.False(Trusting(_root).Trusts(_server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(Trusting(_root, _intermediate).Trusts(_server, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void AnotherAuthorityOrAWrongNameIsRefused()
    {
        using var other = TestCertificates.NewAuthority("Someone else");
        using var sent = ChainTheSystemBuilt(_intermediate);

        Assert.False(Trusting(other).Trusts(_server, sent, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(Trusting(_root).Trusts(_server, sent, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(Trusting(_root).Trusts(null, sent, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void WhatTheSystemTrustsStaysTrusted()
    {
        using var unrelated = TestCertificates.NewAuthority("Unrelated");

        Assert.True(Trusting(unrelated).Trusts(_server, null, SslPolicyErrors.None));
    }

    private static S3TrustedCertificates Trusting(params X509Certificate2[] authorities) => new([.. authorities]);

    /// <summary>The chain the system's validation builds from what the store sent (it stops short of an unknown root).</summary>
    private X509Chain ChainTheSystemBuilt(params X509Certificate2[] sentWithTheCertificate)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ExtraStore.AddRange(sentWithTheCertificate);
        chain.Build(_server);
        return chain;
    }
}
