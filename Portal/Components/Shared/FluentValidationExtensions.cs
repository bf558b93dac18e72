using FluentValidation;

namespace Portal.Components.Shared;

public static class FluentValidationExtensions
{
    /// <summary>
    /// Lets a MudForm show a FluentValidation validator's messages inline, field by field, so the form and
    /// the domain service give the same answer from the same rules.
    /// </summary>
    public static Func<object, string, Task<IEnumerable<string>>> ForMudForm<T>(
        this IValidator<T> validator, Action<ValidationContext<T>>? prepare = null) =>
        async (model, propertyName) =>
        {
            var context = ValidationContext<T>.CreateWithOptions((T)model, options => options.IncludeProperties(propertyName));
            prepare?.Invoke(context);
            var result = await validator.ValidateAsync(context);
            return result.IsValid ? [] : result.Errors.Select(e => e.ErrorMessage);
        };
}
