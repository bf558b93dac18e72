namespace Portal.Images.Api;

/// <summary>The Image API's names of the image enums ("pending_delete", "qcow2"), read exactly as Glance reads them.</summary>
public static class WireNames
{
    public static IReadOnlyDictionary<string, ImageStatus> Statuses { get; } = Enum.GetValues<ImageStatus>().ToDictionary(s => s.ToApiName());
    public static IReadOnlyDictionary<string, DiskFormat> DiskFormats { get; } = Enum.GetValues<DiskFormat>().ToDictionary(f => f.ToApiName());
    public static IReadOnlyDictionary<string, ContainerFormat> ContainerFormats { get; } = Enum.GetValues<ContainerFormat>().ToDictionary(f => f.ToApiName());
    public static IReadOnlyDictionary<string, ImageVisibility> Visibilities { get; } = Enum.GetValues<ImageVisibility>().ToDictionary(v => v.ToApiName());

    public static IReadOnlyDictionary<string, ImageSortKey> SortKeys { get; } = new Dictionary<string, ImageSortKey>
    {
        ["name"] = ImageSortKey.Name,
        ["status"] = ImageSortKey.Status,
        ["container_format"] = ImageSortKey.ContainerFormat,
        ["disk_format"] = ImageSortKey.DiskFormat,
        ["size"] = ImageSortKey.Size,
        ["id"] = ImageSortKey.Id,
        ["created_at"] = ImageSortKey.CreatedAt,
        ["updated_at"] = ImageSortKey.UpdatedAt,
        ["visibility"] = ImageSortKey.Visibility,
    };

    public static IReadOnlyDictionary<string, VisibilityFilter> VisibilityFilters { get; } = new Dictionary<string, VisibilityFilter>
    {
        ["public"] = VisibilityFilter.Public,
        ["private"] = VisibilityFilter.Private,
        ["shared"] = VisibilityFilter.Shared,
        ["community"] = VisibilityFilter.Community,
        ["all"] = VisibilityFilter.All,
    };

    /// <summary>"Invalid value 'x' for disk_format: choose one of qcow2, raw, …" — the 400 a client prints.</summary>
    public static string InvalidValue<T>(string field, string? value, IReadOnlyDictionary<string, T> names) =>
        $"Invalid value '{value}' for {field}: choose one of {string.Join(", ", names.Keys)}.";
}
