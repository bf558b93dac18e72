namespace Portal.Images.Import;

/// <summary>
/// An import download could not be done. The message is written for the customer and never names
/// internal addresses; <see cref="Permanent"/> tells whether trying again later can help.
/// </summary>
public sealed class ImportFailedException(string message, bool permanent, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>True when retrying cannot help (refused URL or address, 404, 403, too many redirects…).</summary>
    public bool Permanent { get; } = permanent;

    /// <summary>The HTTP status that failed the download, when it was the server's answer.</summary>
    public int? StatusCode { get; init; }
}
