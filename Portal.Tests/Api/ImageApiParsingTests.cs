using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portal.Images;
using Portal.Images.Api;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Api;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageApiParsingTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 34, 56, 789, DateTimeKind.Utc);

    private static Image NewImage() => Image.Create(Callers.Alice, new NewImage("web", DiskFormat.Qcow2, Tags: ["a"],
        Properties: new Dictionary<string, string?> { ["keep"] = "1", ["drop"] = "2" }), Now);

    private static ImageListQuery Query(params (string Key, string Value)[] pairs) =>
        ImageListParameters.Parse(new QueryCollection(pairs.GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => new StringValues([.. g.Select(p => p.Value)]))));

    [Fact]
    public void APatchBecomesOneEditOfOnlyWhatItChanges()
    {
        var edit = ImageJsonPatch.Parse(JsonNode.Parse("""
            [{"op": "replace", "path": "/name", "value": "renamed"},
             {"op": "add", "path": "/new", "value": "x"},
             {"op": "remove", "path": "/drop"},
             {"op": "add", "path": "/a~1b", "value": "slash"}]
            """), NewImage());

        Assert.Equal("renamed", edit.Metadata?.Name);
        Assert.Equal(new Dictionary<string, string?> { ["keep"] = "1", ["new"] = "x", ["a/b"] = "slash" }, edit.Properties);
        Assert.Null(edit.Tags);
        Assert.Null(edit.IsProtected);
        Assert.Null(edit.Visibility);
    }

    [Fact]
    public void APatchOfTagsProtectionAndVisibilityLeavesTheRestAlone()
    {
        var edit = ImageJsonPatch.Parse(JsonNode.Parse("""
            [{"op": "replace", "path": "/tags", "value": ["x", "y"]},
             {"op": "replace", "path": "/protected", "value": true},
             {"op": "replace", "path": "/visibility", "value": "shared"}]
            """), NewImage());

        Assert.Equal(["x", "y"], edit.Tags!);
        Assert.Equal((true, ImageVisibility.Shared), (edit.IsProtected, edit.Visibility));
        Assert.Null(edit.Metadata);
        Assert.Null(edit.Properties);
    }

    [Theory]
    [InlineData("""{"op": "replace", "path": "/name", "value": "x"}""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "name", "value": "x"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "/name"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "/min_disk", "value": "1"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "/protected", "value": "yes"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "/disk_format", "value": "qed"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "add", "path": "/custom", "value": 5}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "add", "path": "/a~2", "value": "x"}]""", RefusalCode.Invalid)]
    [InlineData("""[{"op": "replace", "path": "/id", "value": "x"}]""", RefusalCode.NotAllowed)]
    [InlineData("""[{"op": "add", "path": "/os_glance_x", "value": "x"}]""", RefusalCode.NotAllowed)]
    [InlineData("""[{"op": "remove", "path": "/protected"}]""", RefusalCode.NotAllowed)]
    [InlineData("""[{"op": "replace", "path": "/absent", "value": "x"}]""", RefusalCode.InvalidState)]
    [InlineData("""[{"op": "remove", "path": "/absent"}]""", RefusalCode.InvalidState)]
    public void AMalformedOrForbiddenPatchIsRefused(string document, RefusalCode code) =>
        Assert.Equal(code, Assert.ThrowsAny<RefusedException>(() => ImageJsonPatch.Parse(JsonNode.Parse(document), NewImage())).Code);

    [Theory]
    [InlineData("application/openstack-images-v2.1-json-patch", true)]
    [InlineData("application/openstack-images-v2.1-json-patch; charset=utf-8", true)]
    [InlineData("application/openstack-images-v2.0-json-patch", true)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void OnlyGlancesPatchMediaTypesAreAccepted(string? contentType, bool accepted) =>
        Assert.Equal(accepted, ImageJsonPatch.IsPatchMediaType(contentType));

    [Fact]
    public void ListDefaultsAreGlances()
    {
        var query = Query();

        Assert.Equal((VisibilityFilter.Default, 25, null), (query.Visibility, query.Limit, query.Marker));
        Assert.Equal([new ImageSortOrder(ImageSortKey.CreatedAt, true)], query.Sort);
    }

    [Fact]
    public void SortReadsBothGlanceSyntaxes()
    {
        Assert.Equal([new(ImageSortKey.Name, false), new(ImageSortKey.Size, true)], Query(("sort", "name:asc,size:desc")).Sort);
        Assert.Equal([new(ImageSortKey.Status, false)], Query(("sort", "status")).Sort);
        Assert.Equal([new(ImageSortKey.Name, true), new(ImageSortKey.Id, true)], Query(("sort_key", "name"), ("sort_key", "id")).Sort);
        Assert.Equal([new(ImageSortKey.Name, false), new(ImageSortKey.Id, true)],
            Query(("sort_key", "name"), ("sort_key", "id"), ("sort_dir", "asc"), ("sort_dir", "desc")).Sort);
    }

    [Fact]
    public void FiltersAreReadByTheirWireNames()
    {
        var query = Query(("status", "pending_delete"), ("disk_format", "qcow2"), ("container_format", "ova"), ("visibility", "community"),
            ("protected", "True"), ("tag", "a"), ("tag", "b"), ("limit", "5000"), ("name", "exact name"));

        Assert.Equal((ImageStatus.PendingDelete, DiskFormat.Qcow2, ContainerFormat.Ova, VisibilityFilter.Community, true),
            (query.Status, query.DiskFormat, query.ContainerFormat, query.Visibility, query.IsProtected));
        Assert.Equal(["a", "b"], query.Tags);
        Assert.Equal((1000, "exact name"), (query.Limit, query.Name));
    }

    [Fact]
    public void TheRepresentationFollowsGlancesImageShow()
    {
        var image = NewImage();

        var json = ImageJson.Of(image, Callers.Alice);

        Assert.Equal("2026-11-30T12:34:56Z", json["created_at"]!.GetValue<string>());
        Assert.Equal(Callers.AliceAccount.ToString("D"), json["owner"]!.GetValue<string>());
        Assert.Equal(("1", "2"), (json["keep"]!.GetValue<string>(), json["drop"]!.GetValue<string>()));
        Assert.False(json.ContainsKey("os_distro"));
        Assert.False(json.ContainsKey("description"));
        Assert.True(json.ContainsKey("size") && json["size"] is null);
        Assert.Equal("queued", json["status"]!.GetValue<string>());
    }

    [Fact]
    public void TheImportUrlIsShownOnlyToWhoMaySeeIt()
    {
        var image = Image.Create(Callers.Operator, new NewImage("ubuntu", DiskFormat.Qcow2, ImageVisibility.Public), Now);
        image.BeginImport(Callers.Operator, "https://mirror.internal.example/ubuntu.img", Now);
        image.CompleteTransfer(new ImageData(1, new string('0', 32), new string('0', 128), 1), Now);

        Assert.Equal("https://mirror.internal.example/ubuntu.img", ImageJson.Of(image, Callers.Operator)[ImageJson.ImportUrlProperty]!.GetValue<string>());
        Assert.False(ImageJson.Of(image, Callers.Alice).ContainsKey(ImageJson.ImportUrlProperty));
    }
}
