using System.Text.Json.Nodes;

namespace Portal.Images.Api;

/// <summary>
/// <c>GET /v2/schemas/image</c> and <c>/v2/schemas/images</c>: Glance's published schema (ImageSchema.json, copied from
/// its API reference) with the enums replaced by what the portal accepts. <c>additionalProperties</c> stays
/// <c>{"type": "string"}</c>: glanceclient checks <c>--property</c> against it.
/// </summary>
public static class ImageSchemas
{
    private static readonly Lazy<JsonObject> ImageSchemaDocument = new(Build);

    public static JsonObject Image() => (JsonObject)ImageSchemaDocument.Value.DeepClone();

    public static JsonObject Images() => new()
    {
        ["links"] = new JsonArray(Link("{first}", "first"), Link("{next}", "next"), Link("{schema}", "describedby")),
        ["name"] = "images",
        ["properties"] = new JsonObject
        {
            ["first"] = new JsonObject { ["type"] = "string" },
            ["images"] = new JsonObject { ["items"] = Image(), ["type"] = "array" },
            ["next"] = new JsonObject { ["type"] = "string" },
            ["schema"] = new JsonObject { ["type"] = "string" },
        },
    };

    private static JsonObject Build()
    {
        using var stream = typeof(ImageSchemas).Assembly.GetManifestResourceStream("Portal.Images.Api.ImageSchema.json")
            ?? throw new InvalidOperationException("The image schema resource is missing.");
        var schema = JsonNode.Parse(stream)!.AsObject();
        var properties = schema["properties"]!.AsObject();
        properties["status"]!["enum"] = Names(WireNames.Statuses.Keys, nullable: false);
        properties["disk_format"]!["enum"] = Names(WireNames.DiskFormats.Keys, nullable: true);
        properties["container_format"]!["enum"] = Names(WireNames.ContainerFormats.Keys, nullable: true);
        properties["visibility"]!["enum"] = Names(WireNames.Visibilities.Keys, nullable: false);
        properties["name"]!["maxLength"] = Portal.Images.Image.MaxNameLength;
        properties["description"] = new JsonObject
        {
            ["description"] = "A description of the image",
            ["is_base"] = false,
            ["maxLength"] = Portal.Images.Image.MaxDescriptionLength,
            ["type"] = "string",
        };
        properties[ImageProperties.ExpectedChecksumKey] = new JsonObject
        {
            ["description"] = "The checksum the data still to come must have, as sent: " + ExpectedChecksum.Help,
            ["is_base"] = false,
            ["maxLength"] = ExpectedChecksum.MaxLength,
            ["type"] = "string",
        };
        properties[ImageProperties.DecompressKey] = new JsonObject
        {
            ["description"] = "Decompress the data still to come (gzip, xz, zstd, bzip2) before it is stored: \"true\" or \"false\".",
            ["enum"] = new JsonArray("true", "false"),
            ["is_base"] = false,
            ["type"] = "string",
        };
        properties["architecture"]!["enum"] = new JsonArray(Portal.Images.Image.SupportedArchitecture);
        properties["tags"]!["items"]!["maxLength"] = ImageProperties.MaxTagLength;
        properties["tags"]!["maxItems"] = ImageProperties.MaxTags;
        return schema;
    }

    private static JsonArray Names(IEnumerable<string> names, bool nullable)
    {
        var array = new JsonArray();
        if (nullable)
        {
            array.Add(null);
        }

        foreach (var name in names)
        {
            array.Add(name);
        }

        return array;
    }

    private static JsonObject Link(string href, string rel) => new() { ["href"] = href, ["rel"] = rel };
}
