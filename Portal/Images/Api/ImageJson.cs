using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Accounts;

namespace Portal.Images.Api;

/// <summary>
/// An image as the Image API v2 shows it (Glance's <c>image-show-response.json</c>): the schema's fields, the portal's
/// operating-system fields and the custom properties side by side at the top level, links relative to the API root.
/// </summary>
public static class ImageJson
{
    public const string ImagesPath = "/v2/images";
    public const string ImageSchemaPath = "/v2/schemas/image";
    public const string ImagesSchemaPath = "/v2/schemas/images";

    /// <summary>The extra field of an image created from a URL, for the callers who may see where it came from.</summary>
    public const string ImportUrlProperty = "os_glance_import_url";

    /// <summary>
    /// The portal's integrity state of the stored data ("unchecked", "intact", "data_missing", "wrong_size"), beside the
    /// Glance status: always a string, so Glance clients show it as one more property.
    /// </summary>
    public const string IntegrityProperty = ImageIntegrityNames.ApiProperty;

    public static JsonObject Of(Image image, Caller caller)
    {
        var json = new JsonObject();

        // Custom properties first, so that nothing can hide a field of the image (reserved keys are refused anyway).
        foreach (var (key, value) in image.Properties)
        {
            json[key] = value;
        }

        json["id"] = image.Id.ToString("D");
        json["name"] = image.Name;
        json["status"] = image.Status.ToApiName();
        json["visibility"] = image.Visibility.ToApiName();
        json["protected"] = image.IsProtected;
        json["os_hidden"] = false;
        json["disk_format"] = image.DiskFormat.ToApiName();
        json["container_format"] = image.ContainerFormat.ToApiName();
        json["min_disk"] = image.MinDiskGb;
        json["min_ram"] = image.MinRamMb;
        json["size"] = image.Size;
        json["virtual_size"] = image.VirtualSize;
        json["checksum"] = image.Checksum;
        json["os_hash_algo"] = image.OsHashAlgo;
        json["os_hash_value"] = image.OsHashValue;
        json["owner"] = image.Owner.ToString("D");
        json["created_at"] = Timestamp(image.CreatedAt);
        json["updated_at"] = Timestamp(image.UpdatedAt);
        json["tags"] = new JsonArray(image.Tags.Select(t => (JsonNode?)t).ToArray());
        json["architecture"] = image.Architecture;
        json[IntegrityProperty] = image.Integrity.ToApiName();

        // Glance shows an extra property only when it is set: null would not be a string to the schema's readers.
        AddIfSet(json, "os_distro", image.OsDistro);
        AddIfSet(json, "os_version", image.OsVersion);
        AddIfSet(json, "description", image.Description);
        AddIfSet(json, ImportUrlProperty, image.ImportUrlSeenBy(caller));
        AddIfSet(json, ImageProperties.ExpectedChecksumKey, image.ExpectedDataChecksum);
        AddIfSet(json, ImageProperties.DecompressKey, image.DecompressData ? "true" : null);
        json["self"] = $"{ImagesPath}/{image.Id:D}";
        json["file"] = $"{ImagesPath}/{image.Id:D}/file";
        json["schema"] = ImageSchemaPath;
        return json;
    }

    /// <summary>Glance's timestamps: UTC to the second, <c>2016-06-29T16:13:07Z</c>.</summary>
    public static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void AddIfSet(JsonObject json, string key, string? value)
    {
        if (value is not null)
        {
            json[key] = value;
        }
    }
}
