namespace Portal.Images;

/// <summary>Base of every refusal the image domain gives; the message is written for the customer.</summary>
public abstract class ImageException(string message) : Exception(message);

/// <summary>
/// The image does not exist, is deleted, or belongs to another account. All three give the same answer
/// so that nobody can probe which image ids exist in other accounts.
/// </summary>
public sealed class ImageNotFoundException(Guid id) : ImageException("That image does not exist or you cannot see it.")
{
    public Guid ImageId { get; } = id;
}

/// <summary>A domain rule refused the action (protected image, forbidden visibility, wrong status…).</summary>
public sealed class ImageRuleException(string message) : ImageException(message);

/// <summary>Someone else changed the image between reading and saving it.</summary>
public sealed class ImageConflictException()
    : ImageException("Someone else changed this image in the meantime. Reload it and try again.");

/// <summary>A request failed its validator; the same messages the form shows inline.</summary>
public sealed class ImageValidationException(IReadOnlyList<FluentValidation.Results.ValidationFailure> errors)
    : ImageException(string.Join(" ", errors.Select(e => e.ErrorMessage).Distinct()))
{
    public IReadOnlyList<FluentValidation.Results.ValidationFailure> Errors { get; } = errors;
}
