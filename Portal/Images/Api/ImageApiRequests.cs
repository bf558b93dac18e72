using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Rules;

namespace Portal.Images.Api;

/// <summary>The query of <c>GET /v2/images</c>, read as Glance reads it.</summary>
public static class ImageListParameters
{
    /// <summary>The list parameters the portal reads; <c>os_hidden</c> changes nothing here (nothing is hidden).</summary>
    public static IReadOnlySet<string> Known { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "name", "status", "visibility", "disk_format", "container_format", "owner", "protected", "tag", "limit", "marker",
        "sort_key", "sort_dir", "sort", "member_status", "os_hidden",
    };

    public static ImageListQuery Parse(IQueryCollection query)
    {
        // Glance reads any other key as a filter on a custom property; answering the unfiltered list instead would mislead.
        if (query.Keys.FirstOrDefault(k => !Known.Contains(k)) is { } unknown)
        {
            throw Invalid($"Filtering the list by '{unknown}' is not supported: filter by name, status, visibility, disk_format, container_format, owner, protected or tag.");
        }

        var result = new ImageListQuery
        {
            Visibility = One(query, "visibility") is { } visibility
                ? Lookup("visibility", visibility, WireNames.VisibilityFilters)
                : VisibilityFilter.Default,
            Name = One(query, "name"),
            Status = One(query, "status") is { } status ? Lookup("status", status, WireNames.Statuses) : null,
            DiskFormat = One(query, "disk_format") is { } disk ? Lookup("disk_format", disk, WireNames.DiskFormats) : null,
            ContainerFormat = One(query, "container_format") is { } container
                ? Lookup("container_format", container, WireNames.ContainerFormats)
                : null,
            Owner = One(query, "owner") is { } owner ? OwnerOf(owner) : null,
            IsProtected = One(query, "protected") is { } isProtected ? BooleanOf(isProtected) : null,
            MemberStatus = One(query, "member_status") is { } memberStatus ? MemberStatusOf(memberStatus) : Sharing.MemberStatus.Accepted,
            Tags = [.. query["tag"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!)],
            Limit = One(query, "limit") is { } limit ? LimitOf(limit) : ImageListQuery.DefaultLimit,
            Marker = One(query, "marker") is { } marker
                ? Guid.TryParse(marker, out var id) ? id : throw Invalid($"The marker {marker} is not an image id.")
                : null,
        };

        return result with { Sort = SortOf(query) ?? result.Sort };
    }

    /// <summary>Glance's <c>member_status</c>: accepted, pending, rejected, or all (null).</summary>
    private static Sharing.MemberStatus? MemberStatusOf(string value) => value == "all"
        ? null
        : Sharing.MemberStatusNames.ParseApiName(value)
            ?? throw Invalid($"Invalid member_status '{value}': use accepted, pending, rejected or all.");

    /// <summary><c>sort=name:asc,created_at</c>, or Glance's older <c>sort_key</c>/<c>sort_dir</c> (repeatable); not both.</summary>
    private static IReadOnlyList<ImageSortOrder>? SortOf(IQueryCollection query)
    {
        var sort = One(query, "sort");
        var keys = query["sort_key"];
        var dirs = query["sort_dir"];
        if (sort is not null && (keys.Count > 0 || dirs.Count > 0))
        {
            throw Invalid("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.");
        }

        if (sort is not null)
        {
            return [.. sort.Split(',').Select(part =>
            {
                var pieces = part.Split(':');
                return pieces.Length > 2
                    ? throw Invalid($"Invalid sort '{part}': use key or key:asc / key:desc.")
                    : new ImageSortOrder(KeyOf(pieces[0].Trim()), pieces.Length == 2 && DescendingOf(pieces[1].Trim()));
            })];
        }

        if (keys.Count == 0)
        {
            return dirs.Count == 0 ? null : [new ImageSortOrder(ImageSortKey.CreatedAt, DescendingOf(dirs[0]!))];
        }

        if (dirs.Count > 1 && dirs.Count != keys.Count)
        {
            throw Invalid("Give one sort_dir for every sort_key, or a single one for all.");
        }

        // Glance's default direction is descending.
        return [.. keys.Select((key, i) => new ImageSortOrder(KeyOf(key!), dirs.Count == 0 || DescendingOf(dirs[dirs.Count == 1 ? 0 : i]!)))];
    }

    private static ImageSortKey KeyOf(string key) =>
        WireNames.SortKeys.TryGetValue(key, out var parsed)
            ? parsed
            : throw Invalid($"Invalid sort key: {key}. It must be one of the following: {string.Join(", ", WireNames.SortKeys.Keys)}.");

    private static bool DescendingOf(string direction) => direction switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw Invalid($"Invalid sort direction: {direction}"),
    };

    private static int LimitOf(string limit) =>
        int.TryParse(limit, out var value) && value >= 0
            ? Math.Min(value, ImageListQuery.MaxLimit)
            : throw new RefusedException(ImageListQuery.LimitRefusal);

    private static bool BooleanOf(string value) => value.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw Invalid($"Invalid value '{value}' for protected: use true or false."),
    };

    /// <summary>An owner is a project id; one that is not a UUID owns nothing here.</summary>
    private static Guid OwnerOf(string owner) => Guid.TryParse(owner, out var id) ? id : Guid.Empty;

    private static T Lookup<T>(string field, string value, IReadOnlyDictionary<string, T> names) =>
        names.TryGetValue(value, out var parsed) ? parsed : throw Invalid(WireNames.InvalidValue(field, value, names));

    private static string? One(IQueryCollection query, string key) => query.TryGetValue(key, out var values) ? values[^1] : null;

    private static RefusedException Invalid(string message) => new(RefusalCode.Invalid, message);
}

/// <summary>The body of <c>POST /v2/images</c>: the image's own fields, and every other key a custom property.</summary>
public static class ImageCreateBody
{
    /// <summary>Keys Glance refuses on create whatever their value.</summary>
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal) { "direct_url", "self", "file", "schema", "stores" };

    public static CreateImageRequest Parse(JsonObject body)
    {
        var request = new CreateImageRequest { Source = ImageSource.Later };
        foreach (var (key, value) in body)
        {
            if (ReadOnly.Contains(key))
            {
                throw new RefusedException(RefusalCode.NotAllowed, $"Attribute '{key}' is read-only.");
            }

            switch (key)
            {
                case "id":
                    request.Id = Guid.TryParse(ImageJsonPatch.Text(key, value), out var id)
                        ? id
                        : throw new RefusedException(RefusalCode.Invalid, "The id must be a UUID.");
                    break;
                case "name":
                    request.Name = ImageJsonPatch.Text(key, value) ?? string.Empty;
                    break;
                case "disk_format":
                    request.DiskFormat = value is null ? null : ImageJsonPatch.Enum(key, value, WireNames.DiskFormats);
                    break;
                case "container_format":
                    request.ContainerFormat = value is null ? ContainerFormat.Bare : ImageJsonPatch.Enum(key, value, WireNames.ContainerFormats);
                    break;
                case "visibility":
                    request.Visibility = ImageJsonPatch.Enum(key, value, WireNames.Visibilities);
                    break;
                case "protected":
                    request.IsProtected = ImageJsonPatch.Boolean(key, value);
                    break;
                case "min_disk":
                    request.MinDiskGb = ImageJsonPatch.Integer(key, value);
                    break;
                case "min_ram":
                    request.MinRamMb = ImageJsonPatch.Integer(key, value);
                    break;
                case "tags":
                    request.Tags = value is JsonArray tags && tags.All(t => t?.GetValueKind() == JsonValueKind.String)
                        ? [.. tags.Select(t => t!.GetValue<string>())]
                        : throw new RefusedException(RefusalCode.Invalid, "The tags must be a list of strings.");
                    break;
                case "os_distro":
                    request.OsDistro = ImageJsonPatch.Text(key, value);
                    break;
                case "os_version":
                    request.OsVersion = ImageJsonPatch.Text(key, value);
                    break;
                case "description":
                    request.Description = ImageJsonPatch.Text(key, value);
                    break;
                case "architecture":
                    request.Architecture = ImageJsonPatch.Text(key, value) ?? Image.SupportedArchitecture;
                    break;
                case ImageProperties.ExpectedChecksumKey:
                    // Checked by the create validator, with the same sentence as the form's field.
                    request.ExpectedChecksum = ImageJsonPatch.Text(key, value);
                    break;
                case ImageProperties.DecompressKey:
                    request.Decompress = ImageJsonPatch.Flag(key, value);
                    break;
                case "os_hidden" when value?.GetValueKind() == JsonValueKind.False:
                    // The default; hiding images is not offered.
                    break;
                default:
                    // The domain decides which keys may be custom properties (reserved ones are refused, naming the key).
                    request.Properties[key] = value?.GetValueKind() == JsonValueKind.String
                        ? value.GetValue<string>()
                        : ImageProperties.IsReserved(key) ? null : throw new RefusedException(RefusalCode.Invalid, $"The value of the property '{key}' must be a string.");
                    break;
            }
        }

        return request;
    }
}
