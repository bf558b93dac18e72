using FluentValidation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Portal.Configuration;

/// <summary>Checks the configuration at start so that a bad value stops the app with a clear message.</summary>
public sealed class PortalOptionsValidator : AbstractValidator<PortalOptions>, IValidateOptions<PortalOptions>
{
    public const string PublishedPasswordOutsideDevelopment =
        "Portal:Demo:SeedUsers is on with the published demo password outside Development: anyone who read the README could sign in as the operator. " +
        "Switch Portal:Demo:SeedUsers off and create the operator with `create-operator`, or set Portal:Demo:Password to a secret of your own.";

    public const string MissingPostgreSqlConnectionString =
        "Portal:Database:ConnectionString must be set when Portal:Database:Provider is PostgreSql, " +
        "e.g. Host=db.example.com;Database=portal;Username=portal;Password=… (pass the password as an environment variable, Portal__Database__ConnectionString).";

    public PortalOptionsValidator(IHostEnvironment? environment = null)
    {
        // Demo users with the README's password are for a developer's own machine; anywhere else they are an open door.
        RuleFor(o => o.Demo.Password)
            .NotEqual(DemoOptions.PublishedPassword).When(o => o.Demo.SeedUsers && environment?.IsDevelopment() == false)
            .WithMessage(PublishedPasswordOutsideDevelopment);
        RuleFor(o => o.DataDirectory)
            .NotEmpty().WithMessage("Portal:DataDirectory must name a folder.")
            .Must(path => path.IndexOfAny(Path.GetInvalidPathChars()) < 0)
            .WithMessage("Portal:DataDirectory contains characters that are not allowed in a path.");
        RuleFor(o => o.Database.Provider)
            .IsInEnum().WithMessage("Portal:Database:Provider must be Sqlite or PostgreSql.");
        RuleFor(o => o.Database.ConnectionString)
            .NotEmpty().When(o => o.Database.Provider == DatabaseProvider.PostgreSql)
            .WithMessage(MissingPostgreSqlConnectionString);
        RuleFor(o => o.Database.ConnectionString)
            .Must(IsPostgreSqlConnectionString).When(o => o.Database.Provider == DatabaseProvider.PostgreSql && !string.IsNullOrEmpty(o.Database.ConnectionString))
            .WithMessage("Portal:Database:ConnectionString is not a PostgreSQL connection string that names a server (Host=…;Database=…;Username=…).");
        RuleFor(o => o.Database.ConnectionString)
            .Empty().When(o => o.Database.Provider == DatabaseProvider.Sqlite)
            .WithMessage("Portal:Database:ConnectionString is only used with Portal:Database:Provider=PostgreSql; the SQLite database is portal.db in Portal:DataDirectory.");
        RuleFor(o => o.Demo.Password)
            .NotEmpty().When(o => o.Demo.SeedUsers)
            .WithMessage("Portal:Demo:Password must be set when Portal:Demo:SeedUsers is true.");
        RuleFor(o => o.Images.MaxImageSizeBytes)
            .GreaterThan(0).WithMessage("Portal:Images:MaxImageSizeBytes must be a positive number of bytes.");
        RuleFor(o => o.Storage.PricePerGbHour)
            .GreaterThanOrEqualTo(0).WithMessage("Portal:Storage:PricePerGbHour cannot be negative.");
        RuleFor(o => o.Storage.Currency)
            .NotEmpty().MaximumLength(8).WithMessage("Portal:Storage:Currency must be a short currency code such as EUR.");
        RuleFor(o => o.Storage.DefaultQuotaGb)
            .InclusiveBetween(0, 1_000_000_000).WithMessage("Portal:Storage:DefaultQuotaGb must be 0 (no quota) or a positive number of GB.");
        RuleFor(o => o.Storage.FreeSpaceReserveGb)
            .InclusiveBetween(0, 1_000_000).WithMessage("Portal:Storage:FreeSpaceReserveGb must be 0 or a positive number of GB.");
        RuleFor(o => o.Images.TransferIdleTimeoutSeconds)
            .InclusiveBetween(1, 86_400).WithMessage("Portal:Images:TransferIdleTimeoutSeconds must be between 1 and 86400 seconds.");
        RuleFor(o => o.Instances.HeartbeatSeconds)
            .InclusiveBetween(1, 3600).WithMessage("Portal:Instances:HeartbeatSeconds must be between 1 and 3600.");
        RuleFor(o => o.Instances.LeaseSeconds)
            .Must((o, lease) => lease >= 3 * o.Instances.HeartbeatSeconds && lease <= 86_400)
            .WithMessage("Portal:Instances:LeaseSeconds must be at least three heartbeats (Portal:Instances:HeartbeatSeconds) and at most a day.");
        RuleFor(o => o.Instances.ChangePollMilliseconds)
            .InclusiveBetween(50, 60_000).WithMessage("Portal:Instances:ChangePollMilliseconds must be between 50 and 60000.");
        RuleFor(o => o.Instances.ChangeFeedRetentionMinutes)
            .InclusiveBetween(1, 10_080).WithMessage("Portal:Instances:ChangeFeedRetentionMinutes must be between 1 and 10080.");
        RuleFor(o => o.Images.MaxConcurrentUploadsPerAccount)
            .InclusiveBetween(1, 1000).WithMessage("Portal:Images:MaxConcurrentUploadsPerAccount must be between 1 and 1000.");
        RuleFor(o => o.Images.MinTransferBytesPerSecond)
            .GreaterThanOrEqualTo(0).WithMessage("Portal:Images:MinTransferBytesPerSecond must be 0 (no minimum) or a positive number of bytes.");
        RuleFor(o => o.Images.MinRateWindowSeconds)
            .InclusiveBetween(1, 86_400).WithMessage("Portal:Images:MinRateWindowSeconds must be between 1 and 86400 seconds.");
        RuleFor(o => o.Images.UploadTokenLifetimeMinutes)
            .InclusiveBetween(1, 1440).WithMessage("Portal:Images:UploadTokenLifetimeMinutes must be between 1 and 1440 minutes.");
        RuleFor(o => o.Images.RestoreWindowHours)
            .Must(hours => hours > 0 && hours <= 8_760)
            .WithMessage("Portal:Images:RestoreWindowHours must be more than 0 and at most 8760 hours (a year).");
        RuleFor(o => o.Images.ScrubIntervalMinutes)
            .InclusiveBetween(1, 1440).WithMessage("Portal:Images:ScrubIntervalMinutes must be between 1 and 1440 minutes.");
        RuleFor(o => o.SignIn.PermitLimit)
            .GreaterThan(0).WithMessage("Portal:SignIn:PermitLimit must be a positive number of attempts.");
        RuleForEach(o => o.ForwardedHeaders.KnownProxies)
            .Must(proxy => System.Net.IPAddress.TryParse(proxy, out _))
            .WithMessage("Portal:ForwardedHeaders:KnownProxies must list IP addresses ('{PropertyValue}' is not one).");
        RuleFor(o => o.PublicUrl)
            .Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment))
            .When(o => !string.IsNullOrEmpty(o.PublicUrl))
            .WithMessage("Portal:PublicUrl must be an absolute http or https address without query, e.g. https://cloud.example.com ('{PropertyValue}' is not one).");
        RuleFor(o => o.Api.TokenLifetimeMinutes)
            .InclusiveBetween(1, 10_080).WithMessage("Portal:Api:TokenLifetimeMinutes must be between 1 and 10080 minutes (a week).");
        RuleFor(o => o.Api.Region)
            .NotEmpty().MaximumLength(64).WithMessage("Portal:Api:Region must name a region, e.g. RegionOne.");
        RuleFor(o => o.Integrity.IntervalHours)
            .InclusiveBetween(0, 8_760).WithMessage("Portal:Integrity:IntervalHours must be 0 (off) or between 1 and 8760 hours (a year).");
        RuleFor(o => o.Integrity.MaxBytesPerSecond)
            .GreaterThanOrEqualTo(0).WithMessage("Portal:Integrity:MaxBytesPerSecond must be 0 (no limit) or a positive number of bytes.");
        RuleFor(o => o.SignIn.WindowSeconds)
            .InclusiveBetween(1, 86_400).WithMessage("Portal:SignIn:WindowSeconds must be between 1 and 86400 seconds.");
        RuleFor(o => o.ImageStore.Kind)
            .IsInEnum().WithMessage("Portal:ImageStore:Kind must be LocalDisk or S3.");
        RuleFor(o => o.ImageStore.HealthProbeCacheSeconds)
            .InclusiveBetween(0, 3_600).WithMessage("Portal:ImageStore:HealthProbeCacheSeconds must be between 0 and 3600 seconds.");
        When(o => o.ImageStore.Kind == ImageStoreKind.S3, () =>
        {
            // The messages name the setting, never its value: a secret must not end up in a log.
            RuleFor(o => o.ImageStore.S3.ServiceUrl)
                .Must(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    && string.IsNullOrEmpty(uri.UserInfo))
                .When(o => !string.IsNullOrEmpty(o.ImageStore.S3.ServiceUrl))
                .WithMessage("Portal:ImageStore:S3:ServiceUrl must be an absolute http or https address without credentials, e.g. https://swift.example.com:8080.");
            RuleFor(o => o.ImageStore.S3)
                .Must(s3 => s3.HasUsableCaCertificateFile())
                .When(o => !string.IsNullOrEmpty(o.ImageStore.S3.CaCertificateFile))
                .WithMessage("Portal:ImageStore:S3:CaCertificateFile must be the absolute path of a readable PEM file with at least one certificate.");
            RuleFor(o => o.ImageStore.S3.Bucket)
                .Must(S3BucketNames.IsValid)
                .WithMessage("Portal:ImageStore:S3:Bucket must name a bucket: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.");
            RuleFor(o => o.ImageStore.S3.KeyPrefix)
                .Must(prefix => prefix.Length <= 200 && !prefix.StartsWith('/'))
                .WithMessage("Portal:ImageStore:S3:KeyPrefix must be at most 200 characters and not start with '/'.");
            RuleFor(o => o.ImageStore.S3.AccessKey)
                .NotEmpty().WithMessage("Portal:ImageStore:S3:AccessKey must be set when Portal:ImageStore:Kind is S3.");
            RuleFor(o => o.ImageStore.S3.SecretKey)
                .NotEmpty().WithMessage("Portal:ImageStore:S3:SecretKey must be set when Portal:ImageStore:Kind is S3.");
            RuleFor(o => o.ImageStore.S3.Region)
                .NotEmpty().WithMessage("Portal:ImageStore:S3:Region must name a region (any name, e.g. us-east-1, for a store that ignores it).");
            RuleFor(o => o.ImageStore.S3.PartSizeMb)
                .InclusiveBetween(S3StoreOptions.MinPartSizeMb, S3StoreOptions.MaxPartSizeMb)
                .WithMessage($"Portal:ImageStore:S3:PartSizeMb must be between {S3StoreOptions.MinPartSizeMb} (S3's smallest part) and {S3StoreOptions.MaxPartSizeMb} MiB.");
            RuleFor(o => o.ImageStore.S3.PartsInFlight)
                .InclusiveBetween(1, S3StoreOptions.MaxPartsInFlight)
                .WithMessage($"Portal:ImageStore:S3:PartsInFlight must be between 1 and {S3StoreOptions.MaxPartsInFlight} (parts of one upload sent at the same time).");
            RuleFor(o => o.ImageStore.S3.MaxParts)
                .InclusiveBetween(1, 10_000).WithMessage("Portal:ImageStore:S3:MaxParts must be between 1 and 10000 (Swift's s3api takes 1000 by default).");
            RuleFor(o => o.Images.MaxImageSizeBytes)
                .Must((o, max) => max <= o.ImageStore.S3.MaxObjectBytes)
                .When(o => o.ImageStore.S3.PartSizeMb > 0 && o.ImageStore.S3.MaxParts > 0)
                .WithMessage(o => $"Portal:Images:MaxImageSizeBytes ({o.Images.MaxImageSizeBytes}) is more than the object store takes in one upload: " +
                    $"Portal:ImageStore:S3:MaxParts ({o.ImageStore.S3.MaxParts}) parts of Portal:ImageStore:S3:PartSizeMb ({o.ImageStore.S3.PartSizeMb} MiB) = {o.ImageStore.S3.MaxObjectBytes} bytes. " +
                    "Lower MaxImageSizeBytes or raise PartSizeMb (each upload holds up to PartsInFlight + 1 parts in memory).");
        });
    }

    private static bool IsPostgreSqlConnectionString(string? value)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(new Npgsql.NpgsqlConnectionStringBuilder(value).Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var result = Validate(options);
        return result.IsValid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(result.Errors.Select(e => e.ErrorMessage));
    }
}
