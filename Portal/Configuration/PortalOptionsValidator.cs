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
    }

    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var result = Validate(options);
        return result.IsValid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(result.Errors.Select(e => e.ErrorMessage));
    }
}
