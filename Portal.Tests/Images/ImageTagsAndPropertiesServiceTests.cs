using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageTagsAndPropertiesServiceTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task TheListsTagFilterMatchesExactTagsInTheDatabaseAndCountsOnlyThose()
    {
        foreach (var name in new[] { "web-1", "web-2", "web-3" })
        {
            await Service.AddTagAsync(Callers.Alice, (await _harness.AddImageAsync(Callers.Alice, name)).Id, "web");
        }

        await Service.AddTagAsync(Callers.Alice, (await _harness.AddImageAsync(Callers.Alice, "Web-upper")).Id, "Web");
        await Service.AddTagAsync(Callers.Alice, (await _harness.AddImageAsync(Callers.Alice, "webserver")).Id, "webserver");
        await _harness.AddImageAsync(Callers.Alice, "untagged");
        await Service.AddTagAsync(Callers.Bob, (await _harness.AddImageAsync(Callers.Bob, "bobs-web")).Id, "web");

        var page = await Service.ListAsync(Callers.Alice, new ImageQuery { Tag = " web ", SortBy = ImageSort.Name, Descending = false, PageSize = 2 });

        Assert.Equal(3, page.TotalCount);
        Assert.Equal(["web-1", "web-2"], page.Items.Select(i => i.Name));
        Assert.Empty((await Service.ListAsync(Callers.Alice, new ImageQuery { Tag = "we" })).Items);
        Assert.Equal(6, (await Service.ListAsync(Callers.Alice, new ImageQuery { Tag = "  " })).TotalCount);
    }

    private static CreateImageRequest Iso(bool rescue, DiskFormat format = DiskFormat.Iso) => new()
    {
        Name = "rescue",
        Source = ImageSource.File,
        FileName = "rescue.iso",
        FileSize = 1 << 20,
        DiskFormat = format,
        IsRescueImage = rescue,
        Properties = new Dictionary<string, string?> { ["os_admin_user"] = "root" },
    };

    [Fact]
    public async Task CreatingAnIsoAsARescueImageStoresBothRescueProperties()
    {
        var image = await Service.CreateAsync(Callers.Alice, Iso(rescue: true));

        var stored = await Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(
            [("hw_rescue_bus", "scsi"), ("hw_rescue_device", "cdrom"), ("os_admin_user", "root")],
            stored.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));
        Assert.True(KnownImageProperties.IsRescueImage(stored.Properties));
    }

    [Theory]
    [InlineData(false, DiskFormat.Iso)]
    [InlineData(true, DiskFormat.Qcow2)]
    public async Task OnlyAnIsoWithTheSwitchOnBecomesARescueImage(bool rescue, DiskFormat format)
    {
        var image = await Service.CreateAsync(Callers.Alice, Iso(rescue, format));

        var stored = await Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(["os_admin_user"], stored.Properties.Keys);
    }

    [Fact]
    public async Task TurningTheRescueSwitchOffRemovesBothPropertiesAndTheLogNamesThem()
    {
        var image = await Service.CreateAsync(Callers.Alice, Iso(rescue: true));

        var edited = await Service.EditAsync(Callers.Alice, image.Id,
            new ImageEdit(Properties: KnownImageProperties.WithRescue(image.Properties, rescue: false)), image.Version);

        Assert.Equal(["os_admin_user"], edited.Properties.Keys);
        var log = await Service.ActivityAsync(Callers.Alice, image.Id);
        Assert.Contains(log.Entries, e => e.Detail == "properties (hw_rescue_device, hw_rescue_bus)");
    }
}
