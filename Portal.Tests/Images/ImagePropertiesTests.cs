using Portal.Images;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImagePropertiesTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("owner")]
    [InlineData("status")]
    [InlineData("size")]
    [InlineData("self")]
    [InlineData("locations")]
    [InlineData("os_distro")]
    [InlineData("description")]
    [InlineData("os_glance_import_task")]
    [InlineData("os_portal_integrity")]
    public void ReservedKeysAreRefusedAsCustomPropertiesNamingTheKey(string key)
    {
        var refusal = ImageProperties.DecideProperty(key, "x").Refusal;

        Assert.NotNull(refusal);
        Assert.Equal(RefusalCode.NotAllowed, refusal.Code);
        Assert.Contains($"'{key}'", refusal.Message);
    }

    [Theory]
    [InlineData("owner_specified.openstack.md5")]
    [InlineData("owner_specified.openstack.sha256")]
    [InlineData("owner_specified.openstack.object")]
    [InlineData("hw_rescue_device")]
    public void PropertiesTheClientsSendAreAccepted(string key) =>
        Assert.True(ImageProperties.DecideProperty(key, "value").Allowed);

    [Fact]
    public void KeysAndValuesHaveGlancesLengthLimits()
    {
        Assert.True(ImageProperties.DecideProperty(new string('k', 255), new string('v', 65_535)).Allowed);
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideProperty(new string('k', 256), "v").Refusal?.Code);
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideProperty("k", new string('v', 65_536)).Refusal?.Code);
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideProperty("", "v").Refusal?.Code);
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideProperty("k", null).Refusal?.Code);
    }

    [Fact]
    public void TagsAreASetOfAtMost128ShortStrings()
    {
        Assert.Equal(["a", "b"], ImageProperties.CheckedTags(["a", "b", "a"]));
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideTag("").Refusal?.Code);
        Assert.Equal(RefusalCode.Invalid, ImageProperties.DecideTag(new string('t', 256)).Refusal?.Code);
        Assert.True(ImageProperties.DecideTag(new string('t', 255)).Allowed);
        Assert.Single(ImageProperties.CheckedTags(Enumerable.Repeat("same", 500)));
        Assert.Equal(128, ImageProperties.CheckedTags(Enumerable.Range(0, 128).Select(i => $"t{i}")).Count);
        var tooMany = Assert.Throws<ImageRuleException>(() => ImageProperties.CheckedTags(Enumerable.Range(0, 129).Select(i => $"t{i}")));
        Assert.Equal(RefusalCode.TooLarge, tooMany.Code);
    }

    [Fact]
    public void AtMost128CustomProperties()
    {
        var properties = Enumerable.Range(0, 129).Select(i => new KeyValuePair<string, string?>($"p{i}", "v")).ToList();

        Assert.Equal(128, ImageProperties.CheckedProperties(properties.Take(128)).Count);
        Assert.Equal(RefusalCode.TooLarge, Assert.Throws<ImageRuleException>(() => ImageProperties.CheckedProperties(properties)).Code);
    }

    [Fact]
    public void TheEntityChecksTagsAndPropertiesAndWhoChangesThem()
    {
        var image = Image.Create(Callers.Alice, new NewImage("web", DiskFormat.Qcow2, Tags: ["a"],
            Properties: new Dictionary<string, string?> { ["owner_specified.openstack.md5"] = "" }), Now);

        image.AddTag(Callers.Alice, "b", Now);
        image.SetProperties(Callers.Alice, new Dictionary<string, string?> { ["hw_rescue_device"] = "cdrom" }, Now);

        Assert.Equal(["a", "b"], image.Tags);
        Assert.Equal("cdrom", Assert.Single(image.Properties).Value);
        Assert.Equal(RefusalCode.NotFound, Assert.Throws<ImageNotFoundException>(() => image.AddTag(Callers.Bob, "x", Now)).Code);
        Assert.Equal(RefusalCode.NotAllowed, Assert.Throws<ImageRuleException>(() =>
            image.SetProperties(Callers.Alice, new Dictionary<string, string?> { ["owner"] = "bob" }, Now)).Code);
        Assert.Equal(RefusalCode.NotFound, Assert.Throws<ImageRuleException>(() => image.RemoveTag(Callers.Alice, "zzz", Now)).Code);
        Assert.Throws<ImageRuleException>(() =>
            Image.Create(Callers.Alice, new NewImage("web", DiskFormat.Qcow2, Properties: new Dictionary<string, string?> { ["status"] = "active" }), Now));
    }

    [Fact]
    public void CustomersCannotTagThePublicCatalog()
    {
        var image = Image.Create(Callers.Operator, new NewImage("ubuntu", DiskFormat.Qcow2, ImageVisibility.Public), Now);
        image.BeginTransfer(Callers.Operator, ImageStatus.Saving, Now);
        image.CompleteTransfer(new ImageData(1, new string('0', 32), new string('0', 128), 1), Now);

        var refused = Assert.Throws<ImageRuleException>(() => image.AddTag(Callers.Alice, "mine", Now));

        Assert.Equal(ImagePolicy.OnlyOperatorChangesCatalog, refused.Message);
    }
}
