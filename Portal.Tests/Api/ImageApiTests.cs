using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Images;
using Portal.Images.Api;
using Portal.Tests.Http;
using Portal.Tests.Images.Import;

namespace Portal.Tests.Api;

/// <summary>The Image API v2 on a real port, with real tokens of application credentials.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed partial class ImageApiTests(ImportPortal portal) : IClassFixture<ImportPortal>
{
    private const string Alice = "alice@demo.local";
    private const string Bob = "bob@demo.local";
    private const string Operator = "operator@demo.local";

    private async Task<HttpClient> ClientAsync(string email) => portal.ApiClient((await portal.ApiTokenAsync(email)).Token);

    private static async Task<JsonObject> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private static async Task<(HttpStatusCode Status, string Message)> ErrorOf(HttpResponseMessage response)
    {
        var error = (await JsonOf(response))["error"]!;
        Assert.Equal((int)response.StatusCode, error["code"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(error["title"]!.GetValue<string>()));
        return (response.StatusCode, error["message"]!.GetValue<string>());
    }

    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static HttpRequestMessage Patch(Guid id, object operations, string mediaType = ImageJsonPatch.MediaType)
    {
        var content = new StringContent(JsonSerializer.Serialize(operations), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return new HttpRequestMessage(HttpMethod.Patch, $"/image/v2/images/{id:D}") { Content = content };
    }

    private static async Task<JsonObject> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsync("/image/v2/images", Body(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await JsonOf(response);
    }

    private static Guid IdOf(JsonObject image) => Guid.Parse(image["id"]!.GetValue<string>());

    private static async Task<string[]> NamesAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/image/v2/images" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response))["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>())];
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex GlanceTimestamp();

    [Fact]
    public async Task VersionDiscoveryIsAnonymousAndPointsAtV2FromThePublicUrl()
    {
        using var client = portal.ApiClient(token: null);
        client.DefaultRequestHeaders.Host = "evil.example";

        using var root = await client.GetAsync("/image");
        using var versions = await client.GetAsync("/image/versions");

        Assert.Equal(HttpStatusCode.MultipleChoices, root.StatusCode);
        Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
        var listed = (await JsonOf(versions))["versions"]!.AsArray();
        Assert.Equal("CURRENT", listed[0]!["status"]!.GetValue<string>());
        Assert.All(listed.Skip(1), v => Assert.Equal("SUPPORTED", v!["status"]!.GetValue<string>()));
        Assert.Contains(listed, v => v!["id"]!.GetValue<string>() == "v2.0");
        var href = listed[0]!["links"]![0]!["href"]!.GetValue<string>();
        Assert.Equal(new Uri(portal.BaseAddress, "/image/v2/").ToString(), href);
        Assert.Equal(listed.ToJsonString(), (await JsonOf(root))["versions"]!.ToJsonString());
    }

    [Fact]
    public async Task TheApiTakesTokensOnlyAndAnswersGlancesErrorBody()
    {
        using var anonymous = portal.ApiClient(token: null);
        using var forged = portal.ApiClient("not-a-token");
        using var cookie = await portal.SignedInHttpClientAsync(Alice);

        foreach (var client in new[] { anonymous, forged, cookie })
        {
            using var response = await client.GetAsync("/image/v2/images");
            Assert.Equal(HttpStatusCode.Unauthorized, (await ErrorOf(response)).Status);
        }
    }

    [Fact]
    public async Task CreateAnswersTheImageAsGlanceShowsIt()
    {
        var alice = await portal.CallerAsync(Alice);
        using var client = await ClientAsync(Alice);

        using var response = await client.PostAsync("/image/v2/images", Body(new Dictionary<string, object>
        {
            ["name"] = "cli-image",
            ["disk_format"] = "qcow2",
            ["container_format"] = "bare",
            ["min_disk"] = 2,
            ["tags"] = new[] { "t1", "t2", "t1" },
            ["os_distro"] = "ubuntu",
            ["owner_specified.openstack.md5"] = "",
            ["owner_specified.openstack.sha256"] = "",
            ["owner_specified.openstack.object"] = "images/cli-image",
            ["hw_rescue_device"] = "cdrom",
        }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var image = await JsonOf(response);
        var id = IdOf(image);
        Assert.Equal(new Uri(portal.BaseAddress, $"/image/v2/images/{id:D}"), response.Headers.Location);
        Assert.Equal(("cli-image", "queued", "private", "qcow2", "bare"), (image["name"]!.GetValue<string>(), image["status"]!.GetValue<string>(),
            image["visibility"]!.GetValue<string>(), image["disk_format"]!.GetValue<string>(), image["container_format"]!.GetValue<string>()));
        Assert.Equal(alice.AccountId.ToString("D"), image["owner"]!.GetValue<string>());
        Assert.Equal(["t1", "t2"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.False(image["protected"]!.GetValue<bool>());
        Assert.False(image["os_hidden"]!.GetValue<bool>());
        Assert.Equal(2, image["min_disk"]!.GetValue<int>());
        foreach (var unknown in new[] { "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value" })
        {
            Assert.True(image.ContainsKey(unknown) && image[unknown] is null, unknown);
        }

        Assert.Equal("cdrom", image["hw_rescue_device"]!.GetValue<string>());
        Assert.Equal("images/cli-image", image["owner_specified.openstack.object"]!.GetValue<string>());
        Assert.Equal("ubuntu", image["os_distro"]!.GetValue<string>());
        Assert.Equal("x86_64", image["architecture"]!.GetValue<string>());
        Assert.Equal($"/v2/images/{id:D}", image["self"]!.GetValue<string>());
        Assert.Equal($"/v2/images/{id:D}/file", image["file"]!.GetValue<string>());
        Assert.Equal("/v2/schemas/image", image["schema"]!.GetValue<string>());
        Assert.Matches(GlanceTimestamp(), image["created_at"]!.GetValue<string>());
        Assert.Matches(GlanceTimestamp(), image["updated_at"]!.GetValue<string>());

        using var shown = await client.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal(image.ToJsonString(), (await JsonOf(shown)).ToJsonString());
    }

    [Theory]
    [InlineData("status", "active", HttpStatusCode.Forbidden, "'status'")]
    [InlineData("checksum", "abc", HttpStatusCode.Forbidden, "'checksum'")]
    [InlineData("os_glance_import_task", "x", HttpStatusCode.Forbidden, "'os_glance_import_task'")]
    [InlineData("self", "/x", HttpStatusCode.Forbidden, "'self'")]
    [InlineData("disk_format", "qed", HttpStatusCode.BadRequest, "disk_format")]
    [InlineData("visibility", "public", HttpStatusCode.Forbidden, ImagePolicy.CustomersCreatePrivateOnly)]
    public async Task CreateRefusesWhatGlanceRefusesWithTheReason(string key, string value, HttpStatusCode status, string reason)
    {
        using var client = await ClientAsync(Alice);
        var body = new Dictionary<string, object> { ["name"] = "refused", ["disk_format"] = "raw", [key] = value };

        using var response = await client.PostAsync("/image/v2/images", Body(body));

        var (code, message) = await ErrorOf(response);
        Assert.Equal(status, code);
        Assert.Contains(reason, message);
        Assert.Empty(await NamesAsync(client, "?name=refused"));
    }

    [Fact]
    public async Task AnotherAccountsPrivateImageIsNotFoundExactlyLikeAMissingOne()
    {
        using var alice = await ClientAsync(Alice);
        using var bob = await ClientAsync(Bob);
        var image = await CreateAsync(alice, new { name = "alice-secret", disk_format = "raw" });

        using var bobs = await bob.GetAsync($"/image/v2/images/{IdOf(image):D}");
        using var missing = await bob.GetAsync($"/image/v2/images/{Guid.NewGuid():D}");
        using var notAnId = await bob.GetAsync("/image/v2/images/not-an-id");
        using var bobDeletes = await bob.DeleteAsync($"/image/v2/images/{IdOf(image):D}");
        using var bobTags = await bob.PutAsync($"/image/v2/images/{IdOf(image):D}/tags/mine", null);

        var expected = await ErrorOf(missing);
        Assert.Equal(HttpStatusCode.NotFound, expected.Status);
        Assert.Equal(expected, await ErrorOf(bobs));
        Assert.Equal(expected, await ErrorOf(notAnId));
        Assert.Equal(expected, await ErrorOf(bobDeletes));
        Assert.Equal(expected, await ErrorOf(bobTags));
        Assert.DoesNotContain("alice-secret", await NamesAsync(bob, "?visibility=all"));
    }

    [Fact]
    public async Task ListShowsOwnAndPublicImagesAndCommunityOnlyWhenAsked()
    {
        using var bob = await ClientAsync(Bob);
        using var op = await ClientAsync(Operator);
        await CreateAsync(bob, new { name = "bob-own", disk_format = "raw" });
        await CreateAsync(op, new { name = "op-community", disk_format = "raw", visibility = "community" });

        var listed = await NamesAsync(bob, "?limit=1000");
        var publicOnly = await NamesAsync(bob, "?visibility=public&limit=1000");

        Assert.Contains("bob-own", listed);
        Assert.NotEmpty(publicOnly);
        Assert.All(publicOnly, name => Assert.Contains(name, listed));
        Assert.DoesNotContain("bob-own", publicOnly);
        Assert.DoesNotContain("op-community", listed);
        var privateOnly = await NamesAsync(bob, "?visibility=private&limit=1000");
        Assert.Contains("bob-own", privateOnly);
        Assert.Empty(privateOnly.Intersect(publicOnly));
        Assert.Equal(["op-community"], await NamesAsync(op, "?visibility=community&name=op-community"));
    }

    [Fact]
    public async Task ListFiltersByEveryGlanceFilter()
    {
        var bobCaller = await portal.CallerAsync(Bob);
        using var bob = await ClientAsync(Bob);
        await CreateAsync(bob, new { name = "f-raw", disk_format = "raw", tags = new[] { "web", "prod" } });
        await CreateAsync(bob, new { name = "f-qcow2", disk_format = "qcow2", container_format = "ovf", @protected = true, tags = new[] { "web" } });

        Assert.Equal(["f-raw"], await NamesAsync(bob, "?name=f-raw"));
        Assert.Equal(["f-qcow2"], await NamesAsync(bob, "?disk_format=qcow2&name=f-qcow2"));
        Assert.Equal(["f-qcow2"], await NamesAsync(bob, "?container_format=ovf&tag=web"));
        Assert.Equal(["f-qcow2"], await NamesAsync(bob, "?protected=true&tag=web"));
        Assert.Equal(["f-raw"], await NamesAsync(bob, "?tag=web&tag=prod"));
        Assert.Equal(["f-qcow2", "f-raw"], await NamesAsync(bob, "?tag=web&sort=name:asc"));
        Assert.Equal(["f-qcow2", "f-raw"], await NamesAsync(bob, $"?owner={bobCaller.AccountId:D}&status=queued&sort_key=name&sort_dir=asc&tag=web"));
        Assert.Empty(await NamesAsync(bob, $"?owner={Guid.NewGuid():D}&tag=web"));
        Assert.Empty(await NamesAsync(bob, "?status=active&tag=web"));
    }

    [Fact]
    public async Task PagingFollowsTheNextLinkToTheEndInTheAskedOrder()
    {
        using var alice = await ClientAsync(Alice);
        foreach (var name in new[] { "p-c", "p-a", "p-e", "p-b", "p-d" })
        {
            await CreateAsync(alice, new { name, disk_format = "raw", tags = new[] { "paging" } });
        }

        var seen = new List<string>();
        var next = "/v2/images?tag=paging&sort_key=name&sort_dir=desc&limit=2";
        var pages = 0;
        while (next is not null)
        {
            using var response = await alice.GetAsync("/image" + next);
            var page = await JsonOf(response);
            seen.AddRange(page["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            Assert.Equal("/v2/schemas/images", page["schema"]!.GetValue<string>());
            Assert.StartsWith("/v2/images?", page["first"]!.GetValue<string>());
            next = page["next"]?.GetValue<string>();
            pages++;
        }

        Assert.Equal(["p-e", "p-d", "p-c", "p-b", "p-a"], seen);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("?marker=00000000-0000-0000-0000-000000000001", "marker")]
    [InlineData("?marker=nope", "marker")]
    [InlineData("?sort_key=owner", "Invalid sort key")]
    [InlineData("?sort_dir=sideways", "Invalid sort direction")]
    [InlineData("?sort=name:up", "Invalid sort direction")]
    [InlineData("?sort=name&sort_key=name", "sort")]
    [InlineData("?limit=-1", "limit")]
    [InlineData("?visibility=everyone", "visibility")]
    [InlineData("?status=sleeping", "status")]
    [InlineData("?hw_rescue_device=cdrom", "hw_rescue_device")]
    public async Task ListRefusesABadQueryWith400(string query, string reason)
    {
        using var alice = await ClientAsync(Alice);

        using var response = await alice.GetAsync("/image/v2/images" + query);

        var (status, message) = await ErrorOf(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, message);
    }

    [Fact]
    public async Task AMarkerOfAnotherAccountsImageIsRefusedLikeAnUnknownOne()
    {
        using var alice = await ClientAsync(Alice);
        using var bob = await ClientAsync(Bob);
        var bobs = await CreateAsync(bob, new { name = "bob-marker", disk_format = "raw" });

        using var response = await alice.GetAsync($"/image/v2/images?marker={IdOf(bobs):D}");

        Assert.Equal((HttpStatusCode.BadRequest, ImageListQuery.MarkerNotFound(IdOf(bobs))), await ErrorOf(response));
    }

    [Fact]
    public async Task PatchAppliesEveryOperationInOneSave()
    {
        using var alice = await ClientAsync(Alice);
        var image = await CreateAsync(alice, new { name = "patch-me", disk_format = "raw", old = "x", gone = "y" });
        var before = await portal.ImageAsync(IdOf(image));

        using var response = await alice.SendAsync(Patch(IdOf(image), new object[]
        {
            new { op = "replace", path = "/name", value = "patched" },
            new { op = "replace", path = "/protected", value = true },
            new { op = "add", path = "/min_ram", value = 512 },
            new { op = "add", path = "/hw_rescue_device", value = "cdrom" },
            new { op = "replace", path = "/old", value = "new" },
            new { op = "remove", path = "/gone" },
            new { op = "add", path = "/tags", value = new[] { "t1", "t2" } },
            new { op = "add", path = "/os_distro", value = "debian" },
            new { op = "replace", path = "/description", value = "from the CLI" },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patched = await JsonOf(response);
        Assert.Equal(("patched", true, 512), (patched["name"]!.GetValue<string>(), patched["protected"]!.GetValue<bool>(), patched["min_ram"]!.GetValue<int>()));
        Assert.Equal(("cdrom", "new", false), (patched["hw_rescue_device"]!.GetValue<string>(), patched["old"]!.GetValue<string>(), patched.ContainsKey("gone")));
        Assert.Equal(["t1", "t2"], patched["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(("debian", "from the CLI"), (patched["os_distro"]!.GetValue<string>(), patched["description"]!.GetValue<string>()));
        var stored = await portal.ImageAsync(IdOf(image));
        Assert.True(stored.Version > before.Version);
        Assert.Equal("cdrom", stored.Properties["hw_rescue_device"]);
    }

    [Theory]
    [InlineData("replace", "/status", "active", HttpStatusCode.Forbidden, "Attribute 'status' is read-only.")]
    [InlineData("replace", "/owner", "someone", HttpStatusCode.Forbidden, "Attribute 'owner' is read-only.")]
    [InlineData("add", "/deleted", "true", HttpStatusCode.Forbidden, "Attribute 'deleted' is reserved.")]
    [InlineData("replace", "/visibility", "public", HttpStatusCode.Forbidden, ImagePolicy.OnlyOperatorPublishes)]
    [InlineData("replace", "/missing", "x", HttpStatusCode.Conflict, "Property missing does not exist.")]
    [InlineData("remove", "/missing", null, HttpStatusCode.Conflict, "Property missing does not exist.")]
    [InlineData("remove", "/name", null, HttpStatusCode.Forbidden, "Property name may not be removed.")]
    [InlineData("replace", "/name", "", HttpStatusCode.BadRequest, "Give the image a name.")]
    [InlineData("move", "/name", "x", HttpStatusCode.BadRequest, "Invalid operation")]
    [InlineData("replace", "/tags/0", "x", HttpStatusCode.BadRequest, "nested")]
    public async Task PatchRefusesAsGlanceDoesAndChangesNothing(string op, string path, string? value, HttpStatusCode status, string reason)
    {
        using var alice = await ClientAsync(Alice);
        var image = await CreateAsync(alice, new { name = "patch-refused", disk_format = "raw" });
        var before = await portal.ImageAsync(IdOf(image));

        using var response = await alice.SendAsync(Patch(IdOf(image), new object[]
        {
            new { op = "replace", path = "/min_disk", value = 7 },
            value is null ? new { op, path } : new { op, path, value },
        }));

        var (code, message) = await ErrorOf(response);
        Assert.Equal(status, code);
        Assert.Contains(reason, message);
        var after = await portal.ImageAsync(IdOf(image));
        Assert.Equal((before.Version, 0), (after.Version, after.MinDiskGb));
    }

    [Fact]
    public async Task PatchNeedsTheJsonPatchMediaType()
    {
        using var alice = await ClientAsync(Alice);
        var image = await CreateAsync(alice, new { name = "patch-type", disk_format = "raw" });

        using var response = await alice.SendAsync(Patch(IdOf(image), new[] { new { op = "replace", path = "/name", value = "x" } }, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await ErrorOf(response)).Status);
    }

    [Fact]
    public async Task AReservedCustomPropertyIsRefusedByPatchToo()
    {
        using var alice = await ClientAsync(Alice);
        var image = await CreateAsync(alice, new { name = "patch-reserved", disk_format = "raw" });

        using var response = await alice.SendAsync(Patch(IdOf(image), new[] { new { op = "add", path = "/architecture", value = "aarch64" } }));

        Assert.Equal((HttpStatusCode.BadRequest, Image.OnlySupportedArchitecture), await ErrorOf(response));
    }

    [Fact]
    public async Task AProtectedImageIsNotDeletedUntilUnprotected()
    {
        using var alice = await ClientAsync(Alice);
        var image = await CreateAsync(alice, new { name = "guarded", disk_format = "raw", @protected = true });
        var id = IdOf(image);

        using var refused = await alice.DeleteAsync($"/image/v2/images/{id:D}");
        Assert.Equal((HttpStatusCode.Forbidden, ImagePolicy.ProtectedCannotBeDeleted), await ErrorOf(refused));

        using var unprotect = await alice.SendAsync(Patch(id, new[] { new { op = "replace", path = "/protected", value = false } }));
        Assert.Equal(HttpStatusCode.OK, unprotect.StatusCode);
        using var deleted = await alice.DeleteAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await alice.GetAsync($"/image/v2/images/{id:D}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(ImageStatus.Deleted, (await portal.ImageAsync(id)).Status);
    }

    [Fact]
    public async Task TagsAreAddedAndRemovedOneByOne()
    {
        using var alice = await ClientAsync(Alice);
        var id = IdOf(await CreateAsync(alice, new { name = "tag-me", disk_format = "raw" }));

        using var added = await alice.PutAsync($"/image/v2/images/{id:D}/tags/t1", null);
        using var again = await alice.PutAsync($"/image/v2/images/{id:D}/tags/t1", null);
        using var second = await alice.PutAsync($"/image/v2/images/{id:D}/tags/t%202", null);
        using var removed = await alice.DeleteAsync($"/image/v2/images/{id:D}/tags/t1");
        using var missing = await alice.DeleteAsync($"/image/v2/images/{id:D}/tags/t1");
        using var tooLong = await alice.PutAsync($"/image/v2/images/{id:D}/tags/{new string('x', 256)}", null);

        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent],
            new[] { added.StatusCode, again.StatusCode, second.StatusCode, removed.StatusCode });
        Assert.Equal(HttpStatusCode.NotFound, (await ErrorOf(missing)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ErrorOf(tooLong)).Status);
        Assert.Equal(["t 2"], (await portal.ImageAsync(id)).Tags);
    }

    [Fact]
    public async Task TooManyTagsAreRefusedWith413()
    {
        using var alice = await ClientAsync(Alice);
        var id = IdOf(await CreateAsync(alice, new { name = "many-tags", disk_format = "raw", tags = Enumerable.Range(0, 128).Select(i => $"t{i}").ToArray() }));

        using var response = await alice.PutAsync($"/image/v2/images/{id:D}/tags/one-more", null);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await ErrorOf(response)).Status);
    }

    [Fact]
    public async Task OnlyTheOperatorDeactivatesAndReactivates()
    {
        using var op = await ClientAsync(Operator);
        using var alice = await ClientAsync(Alice);
        var caller = await portal.CallerAsync(Operator);
        var created = await portal.CreateFromUrlAsync(Operator, "op-active", portal.ImageServer.Url("/file"));
        await portal.WaitForStatusAsync(created.Id, ImageStatus.Active);
        var own = await CreateAsync(alice, new { name = "alice-deactivate", disk_format = "raw" });

        using var customer = await alice.PostAsync($"/image/v2/images/{IdOf(own):D}/actions/deactivate", null);
        Assert.Equal(HttpStatusCode.Forbidden, (await ErrorOf(customer)).Status);
        using var deactivated = await op.PostAsync($"/image/v2/images/{created.Id:D}/actions/deactivate", null);
        Assert.Equal(HttpStatusCode.NoContent, deactivated.StatusCode);
        Assert.Equal(ImageStatus.Deactivated, (await portal.ImageAsync(created.Id)).Status);
        using var twice = await op.PostAsync($"/image/v2/images/{created.Id:D}/actions/deactivate", null);
        Assert.Equal(HttpStatusCode.Conflict, (await ErrorOf(twice)).Status);
        using var reactivated = await op.PostAsync($"/image/v2/images/{created.Id:D}/actions/reactivate", null);
        Assert.Equal(HttpStatusCode.NoContent, reactivated.StatusCode);
        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(created.Id)).Status);
        Assert.True(caller.IsOperator);
    }

    [Fact]
    public async Task WebDownloadImportsIntoAQueuedImageThroughTheUrlImporter()
    {
        using var alice = await ClientAsync(Alice);
        var id = IdOf(await CreateAsync(alice, new { name = "imported-by-api", disk_format = "raw", container_format = "bare" }));

        using var info = await alice.GetAsync("/image/v2/info/import");
        using var response = await alice.PostAsync($"/image/v2/images/{id:D}/import",
            Body(new { method = new { name = "web-download", uri = portal.ImageServer.Url("/file") } }));

        Assert.Equal(["web-download"], (await JsonOf(info))["import-methods"]!["value"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await portal.WaitForStatusAsync(id, ImageStatus.Active);
        Assert.Equal(LoopbackImageServer.FileBody.Length, stored.Size);
        using var shown = await alice.GetAsync($"/image/v2/images/{id:D}");
        var image = await JsonOf(shown);
        Assert.Equal(LoopbackImageServer.FileBody.Length, image["size"]!.GetValue<long>());
        Assert.Equal(portal.ImageServer.Url("/file"), image[ImageJson.ImportUrlProperty]!.GetValue<string>());
        Assert.Equal("intact", image[ImageJson.IntegrityProperty]!.GetValue<string>());

        using var again = await alice.PostAsync($"/image/v2/images/{id:D}/import",
            Body(new { method = new { name = "web-download", uri = portal.ImageServer.Url("/file") } }));
        Assert.Equal((HttpStatusCode.Conflict, ImagePolicy.ActiveDataIsReadOnly), await ErrorOf(again));
    }

    [Theory]
    [InlineData("glance-direct", "http://example.com/x.img", "glance-direct")]
    [InlineData("web-download", "http://10.0.0.1/x.img", "private network")]
    [InlineData("web-download", "file:///etc/passwd", "http")]
    public async Task ImportRefusesOtherMethodsAndAddressesTheFilterRefuses(string method, string uri, string reason)
    {
        using var alice = await ClientAsync(Alice);
        var id = IdOf(await CreateAsync(alice, new { name = "import-refused", disk_format = "raw" }));

        using var response = await alice.PostAsync($"/image/v2/images/{id:D}/import", Body(new { method = new { name = method, uri } }));

        var (status, message) = await ErrorOf(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, message);
        Assert.Equal(ImageStatus.Queued, (await portal.ImageAsync(id)).Status);
    }

    [Fact]
    public async Task SchemasAreGlancesWithThePortalsEnums()
    {
        using var alice = await ClientAsync(Alice);

        using var image = await alice.GetAsync("/image/v2/schemas/image");
        using var images = await alice.GetAsync("/image/v2/schemas/images");

        var schema = await JsonOf(image);
        Assert.Equal("image", schema["name"]!.GetValue<string>());
        Assert.Equal("string", schema["additionalProperties"]!["type"]!.GetValue<string>());
        var formats = schema["properties"]!["disk_format"]!["enum"]!.AsArray().Select(f => f?.GetValue<string>()).ToList();
        Assert.Equal([null, .. Enum.GetValues<DiskFormat>().Select(f => f.ToApiName())], formats);
        Assert.Contains("community", schema["properties"]!["visibility"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        var list = await JsonOf(images);
        Assert.Equal("images", list["name"]!.GetValue<string>());
        Assert.Equal(schema.ToJsonString(), list["properties"]!["images"]!["items"]!.ToJsonString());
    }

    [Fact]
    public async Task AnUnknownRouteUnderTheImageServiceIsNotFoundInGlancesShape()
    {
        using var alice = await ClientAsync(Alice);

        using var response = await alice.GetAsync("/image/v2/images/x/members");

        Assert.Equal(HttpStatusCode.NotFound, (await ErrorOf(response)).Status);
    }

    [Fact]
    public async Task AnImageCreatedThroughTheApiIsAnnouncedToOpenPages()
    {
        var alice = await portal.CallerAsync(Alice);
        var seen = new TaskCompletionSource<ImageChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = portal.Services.GetRequiredService<ImageEvents>().Subscribe(alice, change =>
        {
            if (change.Image.Name == "announced" && change.Image.Tags.Contains("live"))
            {
                seen.TrySetResult(change);
            }

            return Task.CompletedTask;
        });
        using var client = await ClientAsync(Alice);
        var id = IdOf(await CreateAsync(client, new { name = "announced", disk_format = "raw" }));

        using var tagged = await client.PutAsync($"/image/v2/images/{id:D}/tags/live", null);

        Assert.Equal(id, (await seen.Task.WaitAsync(TimeSpan.FromSeconds(30))).ImageId);
    }
}
