using Portal.Rules;

namespace Portal.Images;

/// <summary>
/// Tags and custom properties of an image, with Glance's limits, in one place: the entity enforces them, the API and
/// a future Properties card ask the same answers.
/// </summary>
public static class ImageProperties
{
    public const int MaxTags = 128;
    public const int MaxTagLength = 255;
    public const int MaxProperties = 128;
    public const int MaxKeyLength = 255;
    public const int MaxValueLength = 65_535;

    /// <summary>
    /// The Image API's name of <see cref="Image.ExpectedDataChecksum"/>: the one way the command-line clients, which
    /// cannot send the upload's header, can say what the data must be (<c>--property os_portal_expected_checksum=sha256:…</c>).
    /// </summary>
    public const string ExpectedChecksumKey = "os_portal_expected_checksum";

    /// <summary>The Image API's name of <see cref="Image.DecompressData"/> ("true"/"false").</summary>
    public const string DecompressKey = "os_portal_decompress";

    /// <summary>
    /// The image schema's own fields, and the fields the portal models itself: they are set through their own fields,
    /// never as a custom property (a property named "owner" or "status" would let a caller dress an image up as what it is not).
    /// </summary>
    public static IReadOnlySet<string> ReservedKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "name", "status", "visibility", "protected", "os_hidden", "size", "virtual_size", "checksum",
        "os_hash_algo", "os_hash_value", "owner", "created_at", "updated_at", "locations", "location", "direct_url",
        "self", "file", "schema", "tags", "disk_format", "container_format", "min_disk", "min_ram", "members",
        "deleted", "deleted_at", "stores",
        "os_distro", "os_version", "architecture", "description", ImageIntegrityNames.ApiProperty,
        ExpectedChecksumKey, DecompressKey,
    };

    /// <summary>Glance reserves its own namespace for what the service itself records.</summary>
    public const string ReservedNamespace = "os_glance";

    public static bool IsReserved(string key) =>
        ReservedKeys.Contains(key) || key.StartsWith(ReservedNamespace, StringComparison.Ordinal);

    public static Decision DecideTag(string? tag) =>
        string.IsNullOrEmpty(tag) ? Decision.Refuse(RefusalCode.Invalid, "A tag cannot be empty.")
        : tag.Length > MaxTagLength ? Decision.Refuse(RefusalCode.Invalid, $"A tag can be at most {MaxTagLength} characters.")
        : tag.Any(char.IsControl) ? Decision.Refuse(RefusalCode.Invalid, "A tag cannot contain control characters such as tabs or line breaks.")
        : Decision.Allow;

    public static Decision DecideTagCount(int count) =>
        count <= MaxTags ? Decision.Allow : Decision.Refuse(RefusalCode.TooLarge, $"An image can have at most {MaxTags} tags.");

    /// <summary>May a custom property have this key and value (as Glance answers: a reserved key is 403).</summary>
    public static Decision DecideProperty(string? key, string? value)
    {
        if (string.IsNullOrEmpty(key))
        {
            return Decision.Refuse(RefusalCode.Invalid, "A property needs a name.");
        }

        if (key.Length > MaxKeyLength)
        {
            return Decision.Refuse(RefusalCode.Invalid, $"A property name can be at most {MaxKeyLength} characters.");
        }

        if (key.Any(char.IsControl) || key.Contains('/'))
        {
            return Decision.Refuse(RefusalCode.Invalid, $"The property name '{key}' cannot contain '/' or control characters.");
        }

        if (IsReserved(key))
        {
            return Decision.Refuse(RefusalCode.NotAllowed, $"Attribute '{key}' is reserved: it is one of the image's own fields, not a custom property.");
        }

        if (value is null)
        {
            return Decision.Refuse(RefusalCode.Invalid, $"The property '{key}' needs a value (text).");
        }

        return value.Length > MaxValueLength
            ? Decision.Refuse(RefusalCode.Invalid, $"The value of the property '{key}' can be at most {MaxValueLength:N0} characters.")
            : Decision.Allow;
    }

    public static Decision DecidePropertyCount(int count) =>
        count <= MaxProperties ? Decision.Allow : Decision.Refuse(RefusalCode.TooLarge, $"An image can have at most {MaxProperties} custom properties.");

    /// <summary>Checks a whole set of tags (duplicates count once, as tags are a set).</summary>
    public static IReadOnlyList<string> CheckedTags(IEnumerable<string?> tags)
    {
        var set = new List<string>();
        foreach (var tag in tags)
        {
            DecideTag(tag).Enforce();
            if (!set.Contains(tag!, StringComparer.Ordinal))
            {
                set.Add(tag!);
            }
        }

        DecideTagCount(set.Count).Enforce();
        return set;
    }

    /// <summary>Checks a whole set of custom properties.</summary>
    public static IReadOnlyDictionary<string, string> CheckedProperties(IEnumerable<KeyValuePair<string, string?>> properties)
    {
        var checkedProperties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            DecideProperty(key, value).Enforce();
            checkedProperties[key] = value!;
        }

        DecidePropertyCount(checkedProperties.Count).Enforce();
        return checkedProperties;
    }

    private static void Enforce(this Decision decision)
    {
        if (decision.Refusal is { } refusal)
        {
            throw new ImageRuleException(refusal);
        }
    }
}
