using Portal.Images;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

/// <summary>The Image API's list, tags and properties, and the PATCH edit, on a real SQLite database.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ImageListQueryTests : IDisposable
{
    private readonly ImageServiceHarness _harness = new();

    private ImageService Service => _harness.Service;

    public void Dispose() => _harness.Dispose();

    private async Task<string[]> Names(Portal.Accounts.Caller caller, ImageListQuery query) =>
        (await Service.ListAsync(caller, query)).Items.Select(i => i.Name).ToArray();

    [Fact]
    public async Task DefaultListIsOwnAndPublicImagesAndCommunityOnlyWhenAsked()
    {
        await _harness.AddImageAsync(Callers.Alice, "alice-1");
        await _harness.AddImageAsync(Callers.Bob, "bob-1");
        await _harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        await _harness.AddImageAsync(Callers.Operator, "community", ImageVisibility.Community);
        var byName = new[] { new ImageSortOrder(ImageSortKey.Name, false) };

        Assert.Equal(["alice-1", "ubuntu"], await Names(Callers.Alice, new ImageListQuery { Sort = byName }));
        Assert.Equal(["community"], await Names(Callers.Alice, new ImageListQuery { Visibility = VisibilityFilter.Community }));
        Assert.Equal(["alice-1", "community", "ubuntu"], await Names(Callers.Alice, new ImageListQuery { Visibility = VisibilityFilter.All, Sort = byName }));
        Assert.Equal(["alice-1"], await Names(Callers.Alice, new ImageListQuery { Visibility = VisibilityFilter.Private }));
        Assert.Equal(["ubuntu"], await Names(Callers.Alice, new ImageListQuery { Visibility = VisibilityFilter.Public }));
    }

    [Fact]
    public async Task TagsAndPropertiesAreStoredAndTagsFilterTheList()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "tagged");
        await _harness.AddImageAsync(Callers.Alice, "plain");
        await Service.AddTagAsync(Callers.Alice, image.Id, "t1");
        await Service.AddTagAsync(Callers.Alice, image.Id, "t2");
        await Service.EditAsync(Callers.Alice, image.Id,
            new ImageEdit(Properties: new Dictionary<string, string?> { ["hw_rescue_device"] = "cdrom" }),
            (await Service.GetAsync(Callers.Alice, image.Id)).Version);

        var stored = await Service.GetAsync(Callers.Alice, image.Id);

        Assert.Equal(["t1", "t2"], stored.Tags);
        Assert.Equal("cdrom", stored.Properties["hw_rescue_device"]);
        Assert.Equal(["tagged"], await Names(Callers.Alice, new ImageListQuery { Tags = ["t1", "t2"] }));
        Assert.Empty(await Names(Callers.Alice, new ImageListQuery { Tags = ["t1", "t3"] }));
        await Service.RemoveTagAsync(Callers.Alice, image.Id, "t1");
        Assert.Equal(["t2"], (await Service.GetAsync(Callers.Alice, image.Id)).Tags);
    }

    [Fact]
    public async Task MarkerPagingWalksTheSortedListWithoutGapsOrRepeats()
    {
        foreach (var name in new[] { "c", "a", "e", "b", "d" })
        {
            await _harness.AddImageAsync(Callers.Alice, name);
        }

        var seen = new List<string>();
        var query = new ImageListQuery { Limit = 2, Sort = [new(ImageSortKey.Name, false)] };
        while (true)
        {
            var page = await Service.ListAsync(Callers.Alice, query);
            seen.AddRange(page.Items.Select(i => i.Name));
            if (page.NextMarker is not { } marker)
            {
                break;
            }

            query = query with { Marker = marker };
        }

        Assert.Equal(["a", "b", "c", "d", "e"], seen);
    }

    [Fact]
    public async Task AMarkerTheCallerCannotSeeIsRefused()
    {
        var bobs = await _harness.AddImageAsync(Callers.Bob, "bob-1");

        var refused = await Assert.ThrowsAsync<ImageRuleException>(() => Service.ListAsync(Callers.Alice, new ImageListQuery { Marker = bobs.Id }));

        Assert.Equal(RefusalCode.Invalid, refused.Code);
    }

    [Fact]
    public async Task AnEditWithOneRefusedPartSavesNothing()
    {
        var image = await _harness.AddImageAsync(Callers.Alice, "web");
        var metadata = UpdateImageRequest.From(image);
        metadata.Name = "renamed";

        var refused = await Assert.ThrowsAsync<ImageRuleException>(() => Service.EditAsync(Callers.Alice, image.Id,
            new ImageEdit(metadata, Visibility: ImageVisibility.Public), image.Version));

        Assert.Equal(ImagePolicy.OnlyOperatorPublishes, refused.Message);
        var stored = await Service.GetAsync(Callers.Alice, image.Id);
        Assert.Equal(("web", ImageVisibility.Private), (stored.Name, stored.Visibility));
    }
}
