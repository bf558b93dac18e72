using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Rules;

namespace Portal.Images.Api;

/// <summary>
/// The JSON Patch subset Glance accepts on <c>PATCH /v2/images/{id}</c>
/// (<c>application/openstack-images-v2.1-json-patch</c>): <c>add</c>, <c>replace</c> and <c>remove</c> of one top-level
/// field, the tags, or a custom property. The operations are applied in order to a draft of the image and become one
/// <see cref="ImageEdit"/>: the domain checks and saves them together.
/// </summary>
public sealed class ImageJsonPatch
{
    public const string MediaType = "application/openstack-images-v2.1-json-patch";
    public const string OlderMediaType = "application/openstack-images-v2.0-json-patch";

    /// <summary>Fields only the service writes (Glance's read-only attributes).</summary>
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url", "self", "file", "schema",
        "id", "os_hash_algo", "os_hash_value", "owner", "locations", "container_format", "os_hidden", "members", "stores",
    };

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "location", "deleted", "deleted_at" };

    private readonly UpdateImageRequest _metadata;
    private readonly Dictionary<string, string?> _properties;
    private bool _metadataChanged;
    private bool? _protected;
    private ImageVisibility? _visibility;
    private List<string>? _tags;
    private bool _propertiesChanged;
    private ExpectedChecksum? _expectedChecksum;
    private bool _decompress;
    private bool _dataChanged;

    private ImageJsonPatch(Image image)
    {
        _metadata = UpdateImageRequest.From(image);
        _properties = image.Properties.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
        Tags = [.. image.Tags];
        _expectedChecksum = ExpectedChecksum.FromStored(image.ExpectedDataChecksum);
        _decompress = image.DecompressData;
    }

    private List<string> Tags { get; }

    public static bool IsPatchMediaType(string? contentType) =>
        contentType?.Split(';')[0].Trim() is MediaType or OlderMediaType;

    /// <summary>The edit a patch document makes of <paramref name="image"/>; a malformed or forbidden operation is refused.</summary>
    public static ImageEdit Parse(JsonNode? document, Image image)
    {
        if (document is not JsonArray operations)
        {
            throw Refuse(RefusalCode.Invalid, "The request body must be a JSON array of patch operations.");
        }

        var patch = new ImageJsonPatch(image);
        foreach (var operation in operations)
        {
            patch.Apply(operation as JsonObject ?? throw Refuse(RefusalCode.Invalid, "Each patch operation must be a JSON object."));
        }

        return new ImageEdit(
            patch._metadataChanged ? patch._metadata : null,
            patch._protected,
            patch._visibility,
            patch._tags,
            patch._propertiesChanged ? patch._properties : null,
            patch._dataChanged ? new DataExpectationEdit(patch._expectedChecksum, patch._decompress) : null);
    }

    private void Apply(JsonObject operation)
    {
        var op = StringOf(operation["op"]);
        if (op is not ("add" or "replace" or "remove"))
        {
            throw Refuse(RefusalCode.Invalid, $"Invalid operation '{op}': it must be one of add, replace, remove.");
        }

        var path = StringOf(operation["path"]) ?? throw Refuse(RefusalCode.Invalid, "Each patch operation needs a path.");
        var field = FieldOf(path);
        if (ReadOnly.Contains(field))
        {
            throw Refuse(RefusalCode.NotAllowed, $"Attribute '{field}' is read-only.");
        }

        if (Reserved.Contains(field) || field.StartsWith(ImageProperties.ReservedNamespace, StringComparison.Ordinal))
        {
            throw Refuse(RefusalCode.NotAllowed, $"Attribute '{field}' is reserved.");
        }

        if (op == "remove")
        {
            Remove(field);
            return;
        }

        if (!operation.TryGetPropertyValue("value", out var value))
        {
            throw Refuse(RefusalCode.Invalid, $"Operation \"{op}\" requires a member named \"value\".");
        }

        Set(op, field, value);
    }

    private void Set(string op, string field, JsonNode? value)
    {
        switch (field)
        {
            case "name":
                _metadata.Name = Text(field, value) ?? string.Empty;
                _metadataChanged = true;
                break;
            case "description":
                _metadata.Description = Text(field, value);
                _metadataChanged = true;
                break;
            case "os_distro":
                _metadata.OsDistro = Text(field, value);
                _metadataChanged = true;
                break;
            case "os_version":
                _metadata.OsVersion = Text(field, value);
                _metadataChanged = true;
                break;
            case "min_disk":
                _metadata.MinDiskGb = Integer(field, value);
                _metadataChanged = true;
                break;
            case "min_ram":
                _metadata.MinRamMb = Integer(field, value);
                _metadataChanged = true;
                break;
            case "disk_format":
                _metadata.DiskFormat = Enum(field, value, WireNames.DiskFormats);
                _metadataChanged = true;
                break;
            case "architecture":
                if (!Image.IsSupportedArchitecture(Text(field, value)))
                {
                    throw Refuse(RefusalCode.Invalid, Image.OnlySupportedArchitecture);
                }

                break;
            case "protected":
                _protected = Boolean(field, value);
                break;
            case "visibility":
                _visibility = Enum(field, value, WireNames.Visibilities);
                break;
            case "tags":
                _tags = TagsOf(value);
                break;
            case ImageProperties.ExpectedChecksumKey:
                _expectedChecksum = ExpectedChecksum.Parse(Text(field, value), out var error)
                    ?? (error is null ? null : throw Refuse(RefusalCode.Invalid, error));
                _dataChanged = true;
                break;
            case ImageProperties.DecompressKey:
                _decompress = Flag(field, value);
                _dataChanged = true;
                break;
            default:
                // Glance: replacing a custom property the image does not have is a conflict; add creates or replaces it.
                if (op == "replace" && !_properties.ContainsKey(field))
                {
                    throw Refuse(RefusalCode.InvalidState, $"Property {field} does not exist.");
                }

                _properties[field] = value?.GetValueKind() == JsonValueKind.String
                    ? value.GetValue<string>()
                    : throw Refuse(RefusalCode.Invalid, $"The value of the property '{field}' must be a string.");
                _propertiesChanged = true;
                break;
        }
    }

    private void Remove(string field)
    {
        switch (field)
        {
            case "description":
                _metadata.Description = null;
                _metadataChanged = true;
                break;
            case "os_distro":
                _metadata.OsDistro = null;
                _metadataChanged = true;
                break;
            case "os_version":
                _metadata.OsVersion = null;
                _metadataChanged = true;
                break;
            case "architecture":
                // An image without an architecture is for the one this platform runs: nothing changes.
                break;
            case ImageProperties.ExpectedChecksumKey:
                _expectedChecksum = null;
                _dataChanged = true;
                break;
            case ImageProperties.DecompressKey:
                _decompress = false;
                _dataChanged = true;
                break;
            case "name" or "protected" or "visibility" or "min_disk" or "min_ram" or "disk_format" or "tags":
                throw Refuse(RefusalCode.NotAllowed, $"Property {field} may not be removed.");
            default:
                if (!_properties.Remove(field))
                {
                    throw Refuse(RefusalCode.InvalidState, $"Property {field} does not exist.");
                }

                _propertiesChanged = true;
                break;
        }
    }

    /// <summary>The top-level field a JSON pointer names ("/tags" → tags; "~1" and "~0" decoded).</summary>
    private static string FieldOf(string pointer)
    {
        if (!pointer.StartsWith('/') || pointer.Length < 2)
        {
            throw Refuse(RefusalCode.Invalid, $"Pointer `{pointer}` does not start with \"/\" or names nothing.");
        }

        var parts = pointer[1..].Split('/');
        if (parts.Length > 1)
        {
            throw Refuse(RefusalCode.Invalid, $"Pointer `{pointer}` names a nested value; only top-level fields can be changed.");
        }

        if (System.Text.RegularExpressions.Regex.IsMatch(parts[0], "~[^01]|~$"))
        {
            throw Refuse(RefusalCode.Invalid, $"Pointer `{pointer}` contains \"~\" not part of a recognized escape sequence.");
        }

        return parts[0].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    private static List<string> TagsOf(JsonNode? value)
    {
        if (value is not JsonArray array || array.Any(t => t?.GetValueKind() != JsonValueKind.String))
        {
            throw Refuse(RefusalCode.Invalid, "The tags must be a list of strings.");
        }

        return array.Select(t => t!.GetValue<string>()).ToList();
    }

    internal static string? Text(string field, JsonNode? value) => value switch
    {
        null => null,
        _ when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw Refuse(RefusalCode.Invalid, $"Invalid value for {field}: expected a string."),
    };

    internal static int Integer(string field, JsonNode? value) =>
        value?.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out var number)
            ? number
            : throw Refuse(RefusalCode.Invalid, $"Invalid value for {field}: expected a whole number.");

    internal static bool Boolean(string field, JsonNode? value) =>
        value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : throw Refuse(RefusalCode.Invalid, $"Invalid value for {field}: expected true or false.");

    /// <summary>A yes/no the clients send as a property: the text "true" or "false" (any case), or a JSON boolean.</summary>
    internal static bool Flag(string field, JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        JsonValueKind.String when bool.TryParse(value.GetValue<string>().Trim(), out var flag) => flag,
        _ => throw Refuse(RefusalCode.Invalid, $"Invalid value for {field}: use true or false."),
    };

    internal static T Enum<T>(string field, JsonNode? value, IReadOnlyDictionary<string, T> names)
    {
        var text = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString();
        return text is not null && names.TryGetValue(text, out var parsed)
            ? parsed
            : throw Refuse(RefusalCode.Invalid, WireNames.InvalidValue(field, text, names));
    }

    internal static string? StringOf(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    internal static RefusedException Refuse(RefusalCode code, string message) => new(code, message);
}
