using FluentValidation;

namespace Portal.Images;

/// <summary>An edit of an image's descriptive fields, made against the version the editor saw.</summary>
public sealed class UpdateImageRequest
{
    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }
    public string? OsDistro { get; set; }
    public string? OsVersion { get; set; }
    public int MinDiskGb { get; set; }
    public int MinRamMb { get; set; }

    /// <summary>Only while the image waits for its data (Glance allows disk_format changes until then).</summary>
    public DiskFormat? DiskFormat { get; set; }

    public static UpdateImageRequest From(Image image) => new()
    {
        DiskFormat = image.DiskFormat,
        Name = image.Name,
        Description = image.Description,
        OsDistro = image.OsDistro,
        OsVersion = image.OsVersion,
        MinDiskGb = image.MinDiskGb,
        MinRamMb = image.MinRamMb,
    };

    public ImageMetadata ToMetadata() => new(Name, Description, OsDistro, OsVersion, MinDiskGb, MinRamMb, DiskFormat);

    /// <summary>Same field values (an edit form with no unsaved change).</summary>
    public bool Equivalent(UpdateImageRequest other) => ToMetadata() == other.ToMetadata();
}

public sealed class UpdateImageRequestValidator : AbstractValidator<UpdateImageRequest>
{
    public UpdateImageRequestValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Name).ImageName();
        RuleFor(r => r.Description).ImageDescription();
        RuleFor(r => r.OsDistro).OsDistro();
        RuleFor(r => r.OsVersion).OsVersion();
        RuleFor(r => r.MinDiskGb).MinimumDisk();
        RuleFor(r => r.MinRamMb).MinimumRam();
        RuleFor(r => r.DiskFormat).IsInEnum().WithMessage("Choose one of the listed disk formats.");
    }
}

/// <summary>Field rules shared by every request that names or sizes an image.</summary>
public static class ImageFieldRules
{
    public const int MaxMinDiskGb = 65_536;
    public const int MaxMinRamMb = 4_194_304;

    public static IRuleBuilderOptions<T, string> ImageName<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Give the image a name.")
            .MaximumLength(Image.MaxNameLength).WithMessage($"The name can be at most {Image.MaxNameLength} characters.")
            .Must(name => !name.Any(char.IsControl)).WithMessage("The name cannot contain control characters such as tabs or line breaks.");

    public static IRuleBuilderOptions<T, string?> ImageDescription<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(Image.MaxDescriptionLength)
            .WithMessage($"The description can be at most {Image.MaxDescriptionLength} characters.");

    public static IRuleBuilderOptions<T, string?> OsDistro<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(Image.MaxOsFieldLength)
            .WithMessage($"The operating system name can be at most {Image.MaxOsFieldLength} characters.");

    public static IRuleBuilderOptions<T, string?> OsVersion<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(Image.MaxOsFieldLength).WithMessage($"The version can be at most {Image.MaxOsFieldLength} characters.");

    public static IRuleBuilderOptions<T, int> MinimumDisk<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(0, MaxMinDiskGb)
            .WithMessage($"Minimum disk must be between 0 and {MaxMinDiskGb:N0} GB.");

    public static IRuleBuilderOptions<T, int> MinimumRam<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(0, MaxMinRamMb)
            .WithMessage($"Minimum RAM must be between 0 and {MaxMinRamMb:N0} MB.");
}

/// <summary>
/// Several edits of one image made together (an Image API PATCH): each part that is not null replaces what the image
/// has, and the entity checks each as it would alone.
/// </summary>
public sealed record ImageEdit(
    UpdateImageRequest? Metadata = null,
    bool? IsProtected = null,
    ImageVisibility? Visibility = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyDictionary<string, string?>? Properties = null,
    DataExpectationEdit? Data = null);

/// <summary>What the coming data must be (the API's <c>os_portal_expected_checksum</c> and <c>os_portal_decompress</c>).</summary>
public sealed record DataExpectationEdit(ExpectedChecksum? Checksum, bool Decompress);
