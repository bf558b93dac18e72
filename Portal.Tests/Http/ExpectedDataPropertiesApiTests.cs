using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Images;
using Portal.Images.Transfer;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>
/// The image properties <c>os_portal_expected_checksum</c> and <c>os_portal_decompress</c> over the Image API: stored in
/// the image's own fields (never as custom properties), shown back, changed by PATCH only while the image is queued,
/// honoured by the upload and web-download, and the upload's header wins over them.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ExpectedDataPropertiesApiTests(CompressionPortal portal) : IClassFixture<CompressionPortal>
{
    private const string Alice = "alice@demo.local";
    private const string ChecksumKey = ImageProperties.ExpectedChecksumKey;
    private const string DecompressKey = ImageProperties.DecompressKey;

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private async Task<HttpClient> ClientAsync() => portal.ApiClient((await portal.ApiTokenAsync(Alice)).Token);

    private static async Task<(HttpResponseMessage Response, JsonObject? Body)> CreateAsync(HttpClient client, JsonObject body)
    {
        body["container_format"] ??= "bare";
        body["disk_format"] ??= "raw";
        var response = await client.PostAsync("/image/v2/images", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>() : null);
    }

    private static async Task<Guid> CreatedAsync(HttpClient client, JsonObject body)
    {
        var (response, json) = await CreateAsync(client, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Guid.Parse(json!["id"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, Guid id, params object[] operations)
    {
        var content = new StringContent(JsonSerializer.Serialize(operations), Encoding.UTF8);
        content.Headers.ContentType = new(Portal.Images.Api.ImageJsonPatch.MediaType);
        return client.PatchAsync($"/image/v2/images/{id:D}", content);
    }

    private static async Task<JsonObject> ShowAsync(HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<JsonObject>($"/image/v2/images/{id:D}"))!;

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response)
    {
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal((int)response.StatusCode, error.GetProperty("code").GetInt32());
        return error.GetProperty("message").GetString()!;
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, Guid id, byte[] data, string? header = null)
    {
        using var request = KestrelPortal.UploadRequest(id, token: null, new ByteArrayContent(data));
        if (header is not null)
        {
            request.Headers.Add(ImageUploadEndpoints.ExpectedChecksumHeader, header);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public void BothNamesAreReservedSoNobodyStoresThemAsCustomProperties()
    {
        Assert.True(ImageProperties.IsReserved(ChecksumKey));
        Assert.True(ImageProperties.IsReserved(DecompressKey));
        Assert.NotNull(ImageProperties.DecideProperty(ChecksumKey, "md5:00").Refusal);
    }

    [Fact]
    public async Task CreateStoresBothInTheImagesOwnFieldsAndShowsThem()
    {
        using var client = await ClientAsync();
        var digest = Sha256([1, 2, 3]);

        var (response, json) = await CreateAsync(client, new JsonObject
        {
            ["name"] = "with-expectations", [ChecksumKey] = "SHA256:" + digest.ToUpperInvariant(), [DecompressKey] = "True",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("sha256:" + digest, json![ChecksumKey]!.GetValue<string>());
        Assert.Equal("true", json[DecompressKey]!.GetValue<string>());
        var image = await portal.ImageAsync(Guid.Parse(json["id"]!.GetValue<string>()));
        Assert.Equal("sha256:" + digest, image.ExpectedDataChecksum);
        Assert.True(image.DecompressData);
        Assert.Empty(image.Properties);
    }

    [Fact]
    public async Task WithoutThemNothingIsShown()
    {
        using var client = await ClientAsync();
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "plain" });

        var shown = await ShowAsync(client, id);

        Assert.False(shown.ContainsKey(ChecksumKey));
        Assert.False(shown.ContainsKey(DecompressKey));
    }

    [Theory]
    [InlineData("sha256:abc", "A SHA-256 checksum has 64 hex digits; this one has 3.")]
    [InlineData("not-hex", "A checksum is written in hexadecimal digits (0-9, a-f).")]
    public async Task AMalformedChecksumIsRefusedOnCreateAndPatchWithTheParsersSentence(string value, string sentence)
    {
        using var client = await ClientAsync();

        var (created, _) = await CreateAsync(client, new JsonObject { ["name"] = "malformed", [ChecksumKey] = value });
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "to-patch" });
        using var patched = await PatchAsync(client, id, new { op = "add", path = "/" + ChecksumKey, value });

        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Contains(sentence, await ErrorMessageAsync(created));
        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
        Assert.Equal(sentence, await ErrorMessageAsync(patched));
        Assert.Null((await portal.ImageAsync(id)).ExpectedDataChecksum);
    }

    [Fact]
    public async Task DecompressIsTrueOrFalse()
    {
        using var client = await ClientAsync();
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "decompress-maybe" });

        using var patched = await PatchAsync(client, id, new { op = "add", path = "/" + DecompressKey, value = "maybe" });

        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
        Assert.Equal($"Invalid value for {DecompressKey}: use true or false.", await ErrorMessageAsync(patched));
    }

    [Fact]
    public async Task PatchAddsReplacesAndRemovesThemWhileTheImageIsQueued()
    {
        using var client = await ClientAsync();
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "patched" });
        var first = new string('a', 32);
        var second = new string('b', 128);

        using (var added = await PatchAsync(client, id,
            new { op = "add", path = "/" + ChecksumKey, value = first }, new { op = "add", path = "/" + DecompressKey, value = "true" }))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            var json = (await added.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("md5:" + first, json[ChecksumKey]!.GetValue<string>());
            Assert.Equal("true", json[DecompressKey]!.GetValue<string>());
        }

        using (var replaced = await PatchAsync(client, id, new { op = "replace", path = "/" + ChecksumKey, value = second }))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.Equal("sha512:" + second, (await portal.ImageAsync(id)).ExpectedDataChecksum);
        }

        using var removed = await PatchAsync(client, id,
            new { op = "remove", path = "/" + ChecksumKey }, new { op = "remove", path = "/" + DecompressKey });

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var shown = await ShowAsync(client, id);
        Assert.False(shown.ContainsKey(ChecksumKey));
        Assert.False(shown.ContainsKey(DecompressKey));
        var image = await portal.ImageAsync(id);
        Assert.Null(image.ExpectedDataChecksum);
        Assert.False(image.DecompressData);
        Assert.Empty(image.Properties);
    }

    [Fact]
    public async Task OnceTheDataHasArrivedTheyCannotBeChanged()
    {
        using var client = await ClientAsync();
        var data = RandomNumberGenerator.GetBytes(1 << 16);
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "arrived", [ChecksumKey] = Sha256(data) });
        using (var uploaded = await PutAsync(client, id, data))
        {
            Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        }

        using var added = await PatchAsync(client, id, new { op = "add", path = "/" + DecompressKey, value = "true" });
        using var removed = await PatchAsync(client, id, new { op = "remove", path = "/" + ChecksumKey });

        Assert.Equal(HttpStatusCode.Conflict, added.StatusCode);
        Assert.Equal(ImagePolicy.ExpectDataOnlyWhenQueued, await ErrorMessageAsync(added));
        Assert.Equal(HttpStatusCode.Conflict, removed.StatusCode);
        var image = await portal.ImageAsync(id);
        Assert.Equal(ImageStatus.Active, image.Status);
        Assert.Equal("sha256:" + Sha256(data), image.ExpectedDataChecksum);
        Assert.False(image.DecompressData);
    }

    [Fact]
    public async Task TheUploadHonoursThePropertyAndTheHeaderWins()
    {
        using var client = await ClientAsync();
        var data = RandomNumberGenerator.GetBytes(1 << 16);
        var wrong = new string('0', 64);
        var refusedId = await CreatedAsync(client, new JsonObject { ["name"] = "property-only", [ChecksumKey] = wrong });
        var headerWinsId = await CreatedAsync(client, new JsonObject { ["name"] = "header-wins", [ChecksumKey] = wrong });
        var headerRefusesId = await CreatedAsync(client, new JsonObject { ["name"] = "header-refuses", [ChecksumKey] = Sha256(data) });

        using var refused = await PutAsync(client, refusedId, data);
        using var headerWins = await PutAsync(client, headerWinsId, data, "sha256:" + Sha256(data));
        using var headerRefuses = await PutAsync(client, headerRefusesId, data, wrong);

        var sentence = $"The data's SHA-256 is {Sha256(data)}, not the expected {wrong}.";
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(sentence, await ErrorMessageAsync(refused));
        Assert.Equal((ImageStatus.Queued, sentence), ((await portal.ImageAsync(refusedId)).Status, (await portal.ImageAsync(refusedId)).StatusReason));
        Assert.Equal(HttpStatusCode.NoContent, headerWins.StatusCode);
        Assert.Equal(ImageStatus.Active, (await portal.ImageAsync(headerWinsId)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, headerRefuses.StatusCode);
        Assert.Equal(sentence, (await portal.ImageAsync(headerRefusesId)).StatusReason);
    }

    [Fact]
    public async Task TheDecompressPropertyMakesTheUploadStoreTheDecompressedDisk()
    {
        using var client = await ClientAsync();
        var id = await CreatedAsync(client, new JsonObject { ["name"] = "decompressed", ["disk_format"] = "qcow2", [DecompressKey] = "true" });

        using var uploaded = await PutAsync(client, id, await File.ReadAllBytesAsync(portal.Disks.PathOf("bzip2")));

        Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        var image = await portal.ImageAsync(id);
        Assert.Equal(portal.Disks.Md5, image.Checksum);
        Assert.Equal(portal.Disks.Bytes.LongLength, image.Size);
    }

    [Fact]
    public async Task WebDownloadHonoursThePropertyAndItsOwnFieldWins()
    {
        using var client = await ClientAsync();
        var url = portal.ImageServer.Serve("property.qcow2", portal.Disks.Qcow2);
        var wrong = new string('0', 64);
        var propertyId = await CreatedAsync(client, new JsonObject { ["name"] = "import-property", ["disk_format"] = "qcow2", [ChecksumKey] = wrong });
        var fieldId = await CreatedAsync(client, new JsonObject { ["name"] = "import-field", ["disk_format"] = "qcow2", [ChecksumKey] = wrong });

        using var byProperty = await client.PostAsJsonAsync($"/image/v2/images/{propertyId:D}/import", new { method = new { name = "web-download", uri = url } });
        using var byField = await client.PostAsJsonAsync($"/image/v2/images/{fieldId:D}/import",
            new { method = new { name = "web-download", uri = url, expected_checksum = Sha256(portal.Disks.Bytes) } });

        Assert.Equal(HttpStatusCode.Accepted, byProperty.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, byField.StatusCode);
        var refused = await portal.WaitForAsync(propertyId, i => i.Status == ImageStatus.Queued && i.StatusReason is not null);
        Assert.Equal($"The data's SHA-256 is {Sha256(portal.Disks.Bytes)}, not the expected {wrong}.", refused.StatusReason);
        Assert.Equal(ImageStatus.Active, (await portal.WaitForStatusAsync(fieldId, ImageStatus.Active)).Status);
    }

    [Fact]
    public async Task TheImageSchemaDescribesBoth()
    {
        using var client = await ClientAsync();

        var schema = (await client.GetFromJsonAsync<JsonObject>("/image/v2/schemas/image"))!["properties"]!;

        Assert.Equal("string", schema[ChecksumKey]!["type"]!.GetValue<string>());
        Assert.Equal(["true", "false"], schema[DecompressKey]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }
}
