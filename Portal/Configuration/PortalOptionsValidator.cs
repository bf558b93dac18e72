using FluentValidation;
using Microsoft.Extensions.Options;

namespace Portal.Configuration;

/// <summary>Checks the configuration at start so that a bad value stops the app with a clear message.</summary>
public sealed class PortalOptionsValidator : AbstractValidator<PortalOptions>, IValidateOptions<PortalOptions>
{
    public PortalOptionsValidator()
    {
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
        RuleFor(o => o.Images.TransferIdleTimeoutSeconds)
            .InclusiveBetween(1, 86_400).WithMessage("Portal:Images:TransferIdleTimeoutSeconds must be between 1 and 86400 seconds.");
        RuleFor(o => o.Images.UploadTokenLifetimeMinutes)
            .InclusiveBetween(1, 1440).WithMessage("Portal:Images:UploadTokenLifetimeMinutes must be between 1 and 1440 minutes.");
        RuleFor(o => o.SignIn.PermitLimit)
            .GreaterThan(0).WithMessage("Portal:SignIn:PermitLimit must be a positive number of attempts.");
        RuleForEach(o => o.ForwardedHeaders.KnownProxies)
            .Must(proxy => System.Net.IPAddress.TryParse(proxy, out _))
            .WithMessage("Portal:ForwardedHeaders:KnownProxies must list IP addresses ('{PropertyValue}' is not one).");
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
