namespace Portal.Configuration;

/// <summary>The "Portal" configuration section (appsettings.json or Portal__* environment variables).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Where the database and image files live; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();

    public DemoOptions Demo { get; set; } = new();

    public ImageLimitOptions Images { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public SignInSettings SignIn { get; set; } = new();

    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public DataProtectionSettings DataProtection { get; set; } = new();

    /// <summary>
    /// The address customers reach the portal at (e.g. <c>https://cloud.example.com</c>): every URL the portal hands
    /// out (the service catalog, clouds.yaml, next links) is built from it, never from a request's Host header.
    /// Unset: the address the portal listens on (fine in Development; a warning elsewhere).
    /// </summary>
    public string? PublicUrl { get; set; }

    public ApiOptions Api { get; set; } = new();

    public IntegrityOptions Integrity { get; set; } = new();

    public ImageStoreOptions ImageStore { get; set; } = new();

    public InstanceOptions Instances { get; set; } = new();
}

public enum ImageStoreKind
{
    /// <summary>One file per image under the data folder: the embedded default.</summary>
    LocalDisk,

    /// <summary>An S3-compatible object store (Swift with s3api, Ceph RGW, MinIO, Amazon S3).</summary>
    S3,
}

/// <summary>Where image bytes live (Portal:ImageStore).</summary>
public sealed class ImageStoreOptions
{
    public ImageStoreKind Kind { get; set; } = ImageStoreKind.LocalDisk;

    /// <summary>
    /// How long the ready check reuses the store probe's answer: on an object store the probe is three requests (write,
    /// read, delete), and a load balancer asking every second should not triple the store's load. 0 probes every time.
    /// </summary>
    public int HealthProbeCacheSeconds { get; set; } = 5;

    public S3StoreOptions S3 { get; set; } = new();
}

/// <summary>The object store's address and credentials (Portal:ImageStore:S3).</summary>
public sealed class S3StoreOptions
{
    public const int MinPartSizeMb = 5;
    public const int MaxPartSizeMb = 512;

    /// <summary>e.g. <c>https://swift.example.com:8080</c>; empty means Amazon S3 itself (by <see cref="Region"/>).</summary>
    public string? ServiceUrl { get; set; }

    public string Bucket { get; set; } = "";

    /// <summary>Object keys start with this (e.g. <c>images/</c>): the bucket may hold other things.</summary>
    public string KeyPrefix { get; set; } = "images/";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// An absolute path to PEM certificates (a private certificate authority, or the store's own certificate) trusted for
    /// an https <see cref="ServiceUrl"/> besides the system's: a store inside the cloud often has a certificate of the
    /// cloud's own authority. The store's name must still match its certificate.
    /// </summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name: what Swift and most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    public const int MaxPartsInFlight = 8;

    /// <summary>
    /// Size of one multipart upload part (MiB): what an upload holds in memory is at most
    /// <see cref="PartsInFlight"/> + 1 parts.
    /// </summary>
    public int PartSizeMb { get; set; } = 16;

    /// <summary>
    /// Parts of one upload sent at the same time: the store writes and syncs each part on its own, and parts in flight
    /// together overlap those waits. One upload holds this many parts in memory plus the one filling.
    /// </summary>
    public int PartsInFlight { get; set; } = 2;

    /// <summary>
    /// Most parts one upload may have: Swift's s3api takes 1000 by default (its <c>max_upload_part_num</c>), Amazon S3
    /// 10 000. With <see cref="PartSizeMb"/> it bounds the largest image (16 MiB × 1000 ≈ 16.7 GB).
    /// </summary>
    public int MaxParts { get; set; } = 1000;

    public long MaxObjectBytes => PartSizeBytes * MaxParts;

    /// <summary>Creates the bucket at start when it is missing (handy for a development store).</summary>
    public bool CreateBucket { get; set; }

    public long PartSizeBytes => (long)PartSizeMb << 20;

    /// <summary>The certificates in <see cref="CaCertificateFile"/>; throws when it cannot be read or holds none.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection TrustedCertificates()
    {
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        certificates.ImportFromPemFile(CaCertificateFile ?? throw new InvalidOperationException("No CaCertificateFile is set."));
        return certificates.Count > 0 ? certificates : throw new System.Security.Cryptography.CryptographicException($"{CaCertificateFile} holds no certificate.");
    }

    /// <summary>For the configuration check: an absolute path to a PEM file with at least one certificate.</summary>
    public bool HasUsableCaCertificateFile()
    {
        if (string.IsNullOrEmpty(CaCertificateFile) || !Path.IsPathFullyQualified(CaCertificateFile))
        {
            return false;
        }

        try
        {
            TrustedCertificates();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>Which database the portal keeps its records in.</summary>
public enum DatabaseProvider
{
    /// <summary>An embedded SQLite file, <c>portal.db</c> in the data folder: nothing to install or run.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server named by <see cref="DatabaseOptions.ConnectionString"/>: several portal instances can share it.</summary>
    PostgreSql,
}

/// <summary>Portal:Database: SQLite in the data folder (the default) or a PostgreSQL server.</summary>
public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>The Npgsql connection string (PostgreSql only): <c>Host=…;Port=5432;Database=portal;Username=portal;Password=…</c>.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>How several portal instances on one database keep each other informed (Portal:Instances).</summary>
public sealed class InstanceOptions
{
    /// <summary>How long a running transfer's or a background job's claim holds without being renewed: after an instance dies, its claims pass to the others this long later.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often an instance renews its claims and looks for cancel requests of its transfers.</summary>
    public int HeartbeatSeconds { get; set; } = 5;

    /// <summary>How often an instance reads the changes the other instances saved, for its open pages.</summary>
    public int ChangePollMilliseconds { get; set; } = 1000;

    /// <summary>How long saved changes stay in the change feed (an instance that falls further behind reloads its pages' data anyway).</summary>
    public int ChangeFeedRetentionMinutes { get; set; } = 10;
}

/// <summary>The background job that re-hashes stored image data to notice bit rot.</summary>
public sealed class IntegrityOptions
{
    /// <summary>How long after its last verification an image is re-hashed; 0 switches the job off.</summary>
    public int IntervalHours { get; set; } = 24;

    /// <summary>How fast checks may read from the image store, so that they never starve uploads and downloads; 0 is unlimited.</summary>
    public long MaxBytesPerSecond { get; set; } = 100_000_000;
}

/// <summary>The OpenStack API: tokens issued for application credentials and the service catalog they carry.</summary>
public sealed class ApiOptions
{
    /// <summary>How long a token is valid (never longer than its credential).</summary>
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>The region the catalog names (clouds.yaml's region_name).</summary>
    public string Region { get; set; } = "RegionOne";
}

/// <summary>A PKCS#12 (.pfx) certificate that encrypts the Data Protection keys at rest; none by default.</summary>
public sealed class DataProtectionSettings
{
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

/// <summary>
/// Reverse proxies whose X-Forwarded-For/-Proto headers are believed. Empty (the default): none, so a client cannot
/// pick its own address (and dodge the sign-in limit) by sending the header itself.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public List<string> KnownProxies { get; set; } = [];
}

/// <summary>
/// How many sign-in posts one client address may make per window. Identity's lockout protects one account;
/// this limit slows down a client trying many accounts (password spraying).
/// </summary>
public sealed class SignInSettings
{
    public int PermitLimit { get; set; } = 10;

    public int WindowSeconds { get; set; } = 60;

    /// <summary>The sign-in cookie is only sent over HTTPS; appsettings.Development.json turns this off for http://localhost.</summary>
    public bool SecureCookie { get; set; } = true;
}

/// <summary>What private image storage costs and how much an account may keep. 1 GB = 10^9 bytes.</summary>
public sealed class StorageOptions
{
    public decimal PricePerGbHour { get; set; } = 0.0001m;

    public string Currency { get; set; } = "EUR";

    /// <summary>Quota of an account without one of its own, in GB (10^9 bytes); 0 means no quota.</summary>
    public decimal DefaultQuotaGb { get; set; } = 50;

    /// <summary>
    /// Free space (GB) the image store keeps: a transfer that would eat into it is refused, or stopped once it does, so
    /// that a full disk never breaks the database or the other transfers.
    /// </summary>
    public decimal FreeSpaceReserveGb { get; set; } = 5;

    public long FreeSpaceReserveBytes => (long)(FreeSpaceReserveGb * Images.Usage.StorageAccrual.BytesPerGb);

    public long? DefaultQuotaBytes => DefaultQuotaGb > 0 ? (long)(DefaultQuotaGb * Images.Usage.StorageAccrual.BytesPerGb) : null;
}

/// <summary>Demo users and the demo catalog: off unless configured (appsettings.Development.json switches them on).</summary>
public sealed class DemoOptions
{
    /// <summary>The demo users' password as the README publishes it: never acceptable outside Development.</summary>
    public const string PublishedPassword = "Demo-pass-1";

    /// <summary>Create alice@demo.local, bob@demo.local and operator@demo.local on first run.</summary>
    public bool SeedUsers { get; set; }

    /// <summary>Password of the demo users.</summary>
    public string Password { get; set; } = PublishedPassword;

    /// <summary>Publish the demo public catalog (Ubuntu, Debian, …) on first run.</summary>
    public bool SeedCatalog { get; set; }
}

public sealed class ImageLimitOptions
{
    /// <summary>Largest image accepted, in bytes (Glance's image_size_cap); 1 TiB by default.</summary>
    public long MaxImageSizeBytes { get; set; } = 1L << 40;

    /// <summary>An upload or import that sends nothing for this long is given up (the image goes back to queued).</summary>
    public int TransferIdleTimeoutSeconds { get; set; } = 120;

    /// <summary>Uploads one account may run at once; one more is refused (429) until one finishes.</summary>
    public int MaxConcurrentUploadsPerAccount { get; set; } = 4;

    /// <summary>
    /// An upload or import that delivers less than this many bytes per second over <see cref="MinRateWindowSeconds"/>
    /// is stopped (the image goes back to queued with the reason); 0 switches the rule off.
    /// </summary>
    public long MinTransferBytesPerSecond { get; set; } = 10_000;

    public int MinRateWindowSeconds { get; set; } = 120;

    /// <summary>How long after the page issued it an upload token may start an upload; a running upload is never cut.</summary>
    public int UploadTokenLifetimeMinutes { get; set; } = 10;

    /// <summary>How long a deleted image with data waits in Recently deleted (pending delete), restorable, before its data is removed.</summary>
    public double RestoreWindowHours { get; set; } = 24;

    /// <summary>How often the scrubber looks for recently deleted images whose restore window has passed.</summary>
    public int ScrubIntervalMinutes { get; set; } = 15;

    public TimeSpan RestoreWindow => TimeSpan.FromHours(RestoreWindowHours);
}

/// <summary>S3's bucket naming rules (the path-style subset every S3-compatible store accepts).</summary>
public static class S3BucketNames
{
    public static bool IsValid(string? name) =>
        name is { Length: >= 3 and <= 63 }
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("..", StringComparison.Ordinal);
}
