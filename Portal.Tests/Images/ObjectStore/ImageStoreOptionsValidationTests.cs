using Portal.Configuration;

namespace Portal.Tests.Images.ObjectStore;

/// <summary>A bad image store setting stops the portal at start with a message naming it, never showing a secret.</summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageStoreOptionsValidationTests
{
    private const string Secret = "s3cr3t-never-shown";

    private static PortalOptions S3(Action<S3StoreOptions>? change = null)
    {
        var options = new PortalOptions
        {
            Images = { MaxImageSizeBytes = 16_000_000_000 },
            ImageStore =
            {
                Kind = ImageStoreKind.S3,
                S3 = { ServiceUrl = "http://127.0.0.1:8080", Bucket = "portal-images", AccessKey = "test:tester", SecretKey = Secret },
            },
        };
        change?.Invoke(options.ImageStore.S3);
        return options;
    }

    private static IReadOnlyList<string> Errors(PortalOptions options) =>
        new PortalOptionsValidator().Validate(options).Errors.Select(e => e.ErrorMessage).ToList();

    [Fact]
    public void LocalDiskNeedsNoObjectStoreSettingsAndAFullS3ConfigurationIsAccepted()
    {
        Assert.Empty(Errors(new PortalOptions()));
        Assert.Empty(Errors(S3()));
    }

    [Fact]
    public void MissingOrBadS3SettingsAreRefusedByName()
    {
        Assert.Contains("Portal:ImageStore:S3:Bucket", Assert.Single(Errors(S3(o => o.Bucket = ""))));
        Assert.Contains("Portal:ImageStore:S3:Bucket", Assert.Single(Errors(S3(o => o.Bucket = "Upper_Case"))));
        Assert.Contains("Portal:ImageStore:S3:AccessKey", Assert.Single(Errors(S3(o => o.AccessKey = ""))));
        Assert.Contains("Portal:ImageStore:S3:SecretKey", Assert.Single(Errors(S3(o => o.SecretKey = ""))));
        Assert.Contains("Portal:ImageStore:S3:ServiceUrl", Assert.Single(Errors(S3(o => o.ServiceUrl = "ftp://store"))));
        Assert.Contains("Portal:ImageStore:S3:PartSizeMb", Assert.Single(Errors(S3(o => o.PartSizeMb = 600))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(S3StoreOptions.MaxPartsInFlight + 1)]
    public void PartsInFlightOutsideItsRangeAreRefused(int parts) =>
        Assert.Contains("Portal:ImageStore:S3:PartsInFlight", Assert.Single(Errors(S3(o => o.PartsInFlight = parts))));

    [Fact]
    public void TheTrustedAuthorityMustBeAnAbsolutePathToAPemCertificate()
    {
        var folder = Directory.CreateTempSubdirectory("portal-ca-").FullName;
        try
        {
            var pem = Path.Combine(folder, "ca.pem");
            using (var authority = Support.TestCertificates.NewAuthority("Cloud CA"))
            {
                File.WriteAllText(pem, authority.ExportCertificatePem());
            }

            var notPem = Path.Combine(folder, "key.txt");
            File.WriteAllText(notPem, "not a certificate");

            Assert.Empty(Errors(S3(o => (o.ServiceUrl, o.CaCertificateFile) = ("https://store.internal:8080", pem))));
            foreach (var bad in new[] { "ca.pem", Path.Combine(folder, "missing.pem"), notPem })
            {
                Assert.Contains("Portal:ImageStore:S3:CaCertificateFile", Assert.Single(Errors(S3(o => o.CaCertificateFile = bad))));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AMaximumImageSizeThePartsCannotHoldIsRefusedWithWhatToChange()
    {
        var options = S3();
        options.Images.MaxImageSizeBytes = 1L << 40;

        var error = Assert.Single(Errors(options));

        Assert.Contains("Portal:Images:MaxImageSizeBytes", error);
        Assert.Contains("Portal:ImageStore:S3:PartSizeMb", error);
    }

    [Fact]
    public void NoMessageShowsTheSecretOrCredentialsInTheAddress()
    {
        var errors = Errors(S3(o => (o.ServiceUrl, o.Bucket) = ($"http://user:{Secret}@store:8080", "")));

        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.DoesNotContain(Secret, e));
    }
}
