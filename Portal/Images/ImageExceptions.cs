using Portal.Rules;

namespace Portal.Images;

/// <summary>
/// The image does not exist, is deleted, or belongs to another account. All three give the same answer
/// so that nobody can probe which image ids exist in other accounts.
/// </summary>
public sealed class ImageNotFoundException(Guid id) : RefusedException(RefusalCode.NotFound, "That image does not exist or you cannot see it.")
{
    public Guid ImageId { get; } = id;
}

/// <summary>A domain rule refused the action (protected image, forbidden visibility, wrong status…).</summary>
public sealed class ImageRuleException(Refusal refusal) : RefusedException(refusal)
{
    public ImageRuleException(RefusalCode code, string message)
        : this(new Refusal(code, message))
    {
    }
}

/// <summary>Someone else changed the image between reading and saving it.</summary>
public sealed class ImageConflictException()
    : RefusedException(RefusalCode.Stale, "Someone else changed this image in the meantime. Reload it and try again.");

/// <summary>A request failed its validator; the same messages the form shows inline.</summary>
public sealed class ImageValidationException(IReadOnlyList<FluentValidation.Results.ValidationFailure> errors)
    : RefusedException(RefusalCode.Invalid, string.Join(" ", errors.Select(e => e.ErrorMessage).Distinct()))
{
    public IReadOnlyList<FluentValidation.Results.ValidationFailure> Errors { get; } = errors;
}
