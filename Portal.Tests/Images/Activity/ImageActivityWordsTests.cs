using Portal.Accounts;
using Portal.Formatting;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Activity;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ImageActivityWordsTests
{
    private static readonly DateTime Now = new(2026, 11, 15, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void EveryKindHasWordsOfItsOwn()
    {
        var titles = Enum.GetValues<ImageActivityKind>().Select(k => k.Title()).ToList();

        Assert.Equal(titles.Count, titles.Distinct().Count());
        Assert.Equal("Deleted permanently", ImageActivityKind.DeletedPermanently.Title());
        Assert.Equal("Restored", ImageActivityKind.Restored.Title());
        Assert.Equal("Removed for good after the restore window ended", ImageActivityKind.Scrubbed.Title());
    }

    [Fact]
    public void AnEditNamesTheFieldsThatChangedInTheFormsOrder()
    {
        var before = Image.Create(Callers.Alice, new NewImage("web", DiskFormat.Qcow2, Description: "old", Tags: ["a"]), Now);
        var after = before.Snapshot();
        after.SetTags(Callers.Alice, ["a", "b"], Now);
        after.UpdateMetadata(Callers.Alice, new ImageMetadata("web-2", "old", null, null, 10, 0), Now);

        after.SetProperties(Callers.Alice, KnownImageProperties.WithRescue(after.Properties, rescue: true), Now);

        Assert.Equal(["name", "minimum disk", "tags (b)", "properties (hw_rescue_device, hw_rescue_bus)"], ImageActivityLog.EditedFields(before, after));
        Assert.Empty(ImageActivityLog.EditedFields(before, before.Snapshot()));
    }

    [Theory]
    [InlineData(null, false, "alice", "the portal")]
    [InlineData("alice", false, "alice", "you")]
    [InlineData("carol", false, "alice", "carol@test.local")]
    [InlineData("operator", true, "alice", ImagePolicy.OperatorSeenByCustomers)]
    [InlineData("operator", true, "operator", "you")]
    public void WhoDidItDependsOnWhoReads(string? actor, bool actorIsOperator, string reader, string expected)
    {
        Caller? by = actor switch
        {
            "alice" => Callers.Alice,
            "carol" => Callers.AliceColleague,
            "operator" => Callers.Operator,
            _ => null,
        };
        Assert.Equal(actorIsOperator, by?.IsOperator ?? false);
        var entry = ImageActivity.Record(Guid.NewGuid(), ImageActivityKind.Protected, by, Now);

        Assert.Equal(expected, entry.ActorSeenBy(reader == "alice" ? Callers.Alice : Callers.Operator));
    }

    [Fact]
    public void AnotherOperatorSeesTheOperatorsAddress()
    {
        var colleague = Callers.Operator with { UserId = "operator-2", Email = "ops2@test.local" };
        var entry = ImageActivity.Record(Guid.NewGuid(), ImageActivityKind.Deactivated, Callers.Operator, Now);

        Assert.Equal("operator@test.local", entry.ActorSeenBy(colleague));
    }

    [Fact]
    public void ADetailFollowsTheTitleAfterAColon()
    {
        Assert.Equal("Upload refused: Too big.", ImageActivity.Record(Guid.NewGuid(), ImageActivityKind.UploadRefused, Callers.Alice, Now, "Too big.").Describe());
        Assert.Equal("Created", ImageActivity.Record(Guid.NewGuid(), ImageActivityKind.Created, Callers.Alice, Now, "  ").Describe());
        Assert.Equal(ImageActivity.MaxDetailLength, ImageActivity.Record(Guid.NewGuid(), ImageActivityKind.ImportFailed, null, Now, new string('x', 5000)).Detail!.Length);
    }

    [Theory]
    [InlineData(20, "just now")]
    [InlineData(60, "1 minute ago")]
    [InlineData(59 * 60, "59 minutes ago")]
    [InlineData(3 * 3600, "3 hours ago")]
    [InlineData(30 * 3600, "yesterday")]
    [InlineData(3 * 86400, "3 days ago")]
    [InlineData(9 * 86400, "2026-11-06")]
    public void TimesReadRelativeThenAsADate(int secondsAgo, string expected) =>
        Assert.Equal(expected, Format.Ago(Now.AddSeconds(-secondsAgo), Now));
}
