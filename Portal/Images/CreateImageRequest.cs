using FluentValidation;
using Portal.Accounts;

namespace Portal.Images;

public enum ImageSource
{
    File,
    Url,

    /// <summary>No data yet: the Image API creates the record first, the data follows by upload or import.</summary>
    Later,
}

/// <summary>What the "Create image" form sends; the data follows by upload or URL import.</summary>
public sealed class CreateImageRequest
{
    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }
    public ImageSource Source { get; set; } = ImageSource.File;

    /// <summary>The picked file's name and size as the browser reports them (Source = File).</summary>
    public string? FileName { get; set; }
    public long? FileSize { get; set; }

    /// <summary>Where the server downloads the image from (Source = URL).</summary>
    public string? ImageUrl { get; set; }

    /// <summary>The checksum the customer expects the file as sent to have (md5, sha1, sha256 or sha512 hex, "sha256:…").</summary>
    public string? ExpectedChecksum { get; set; }

    /// <summary>The Image API's <c>os_portal_decompress</c>: decompress the data that is uploaded later (the form's always are).</summary>
    public bool Decompress { get; set; }

    public DiskFormat? DiskFormat { get; set; }
    public string? OsDistro { get; set; }
    public string? OsVersion { get; set; }
    public string Architecture { get; set; } = Image.SupportedArchitecture;
    public ImageVisibility Visibility { get; set; } = ImageVisibility.Private;
    public bool IsProtected { get; set; }
    public int MinDiskGb { get; set; }
    public int MinRamMb { get; set; }
    public ContainerFormat ContainerFormat { get; set; } = ContainerFormat.Bare;

    /// <summary>An id chosen by the client (Glance honours one); a new one when null.</summary>
    public Guid? Id { get; set; }

    public List<string> Tags { get; set; } = [];
    public Dictionary<string, string?> Properties { get; set; } = [];

    /// <summary>The form's Rescue image switch, shown for ISO images only (and only applied to them).</summary>
    public bool IsRescueImage { get; set; }

    public NewImage ToNewImage() => new(
        Name, DiskFormat ?? throw new InvalidOperationException("Validate the request first."), Visibility, Description,
        OsDistro, OsVersion, IsProtected, MinDiskGb, MinRamMb, ContainerFormat, Architecture, Id, Tags, NewProperties());

    private Dictionary<string, string?> NewProperties()
    {
        if (!IsRescueImage || DiskFormat != Images.DiskFormat.Iso)
        {
            return Properties;
        }

        var properties = new Dictionary<string, string?>(Properties, StringComparer.Ordinal);
        foreach (var (key, value) in KnownImageProperties.RescueProperties)
        {
            properties[key] = value;
        }

        return properties;
    }
}

/// <summary>
/// One validator for the form (inline messages) and the service (a crafted request gets the same answer).
/// The caller is passed in the validation context so that the visibility rule knows the caller's role.
/// </summary>
public sealed class CreateImageRequestValidator : AbstractValidator<CreateImageRequest>
{
    public const string CallerKey = "caller";

    public CreateImageRequestValidator(Microsoft.Extensions.Options.IOptions<Configuration.PortalOptions> options, Import.ImportUrlPolicy urlPolicy)
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        var maxSize = options.Value.Images.MaxImageSizeBytes;

        RuleFor(r => r.Name).ImageName();
        RuleFor(r => r.Description).ImageDescription();
        RuleFor(r => r.Source).IsInEnum().WithMessage("Choose where the image comes from: a file or a URL.");

        When(r => r.Source == ImageSource.File, () =>
        {
            RuleFor(r => r.FileName).NotEmpty().WithMessage("Choose an image file to upload.");
            RuleFor(r => r.FileSize)
                .NotNull().WithMessage("Choose an image file to upload.")
                .GreaterThan(0).WithMessage("The chosen file is empty.")
                .LessThanOrEqualTo(maxSize).WithMessage($"The file is larger than the largest image accepted ({Portal.Formatting.Format.Bytes(maxSize)}).");
        });

        When(r => r.Source == ImageSource.Url, () =>
        {
            RuleFor(r => r.ImageUrl).Custom((url, context) =>
            {
                // The same check the downloader makes before every connection, told at once in the form.
                if (urlPolicy.CheckUrl(url) is { IsAllowed: false, Reason: var reason })
                {
                    context.AddFailure(reason);
                }
            });
        });

        RuleFor(r => r.ExpectedChecksum).Custom((text, context) =>
        {
            if (Images.ExpectedChecksum.Parse(text, out var error) is null && error is not null)
            {
                context.AddFailure(error);
            }
        });

        RuleFor(r => r.DiskFormat)
            .NotNull().WithMessage("Choose the disk format.")
            .IsInEnum().WithMessage("Choose one of the listed disk formats.");
        RuleFor(r => r.Architecture).Must(Image.IsSupportedArchitecture).WithMessage(Image.OnlySupportedArchitecture);
        RuleFor(r => r.Visibility)
            .IsInEnum().WithMessage("Choose a visibility.")
            .Custom((visibility, context) =>
            {
                if (CallerOf(context).DecideNewVisibility(visibility).Reason is { } reason)
                {
                    context.AddFailure(reason);
                }
            });
        RuleFor(r => r.OsDistro).OsDistro();
        RuleFor(r => r.OsVersion).OsVersion();
        RuleFor(r => r.MinDiskGb).MinimumDisk();
        RuleFor(r => r.MinRamMb).MinimumRam();
        RuleFor(r => r.ContainerFormat).IsInEnum().WithMessage("Choose one of the listed container formats.");
    }

    private static Caller? CallerOf(ValidationContext<CreateImageRequest> context) =>
        context.RootContextData.TryGetValue(CallerKey, out var caller) ? caller as Caller : null;

    public static ValidationContext<CreateImageRequest> ContextFor(CreateImageRequest request, Caller caller)
    {
        var context = new ValidationContext<CreateImageRequest>(request);
        context.RootContextData[CallerKey] = caller;
        return context;
    }
}
