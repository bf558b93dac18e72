using Bunit;
using Portal.Accounts;
using Portal.Images;
using Portal.Images.Activity;
using Portal.Images.Details;
using Portal.Images.Integrity;
using Portal.Tests.Images.Integrity;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ActivityCardTests : DetailsCardTest
{
    private IRenderedComponent<ActivityCard> RenderActivity(Image image, Caller caller)
    {
        SignInAs(caller);
        return RenderCard<ActivityCard>(p => p.Add(c => c.Image, image).Add(c => c.Caller, caller));
    }

    private static List<(string What, string Who)> Entries(IRenderedComponent<ActivityCard> card) =>
        card.FindAll("[data-testid=activity-entry]")
            .Select(e => (e.QuerySelector(".portal-activity-what")!.TextContent.Trim(), e.QuerySelector("[data-testid=activity-who]")!.TextContent.Trim()))
            .ToList();

    [Fact]
    public async Task SaysWhatHappenedWhoDidItAndWhenNewestFirst()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "web");
        await Harness.Service.SetProtectedAsync(Callers.Alice, image.Id, true);
        Harness.Clock.Advance(TimeSpan.FromMinutes(3));
        var edit = UpdateImageRequest.From(await Harness.Service.GetAsync(Callers.Alice, image.Id));
        edit.Name = "web-2";
        edit.Description = "Second edition";
        await Harness.Service.UpdateAsync(Callers.AliceColleague, image.Id, edit, image.Version + 1);
        Harness.Clock.Advance(TimeSpan.FromMinutes(5));

        var card = RenderActivity(image, Callers.Alice);

        card.WaitForAssertion(() => Assert.Equal(
            [("Edited: name, description", "carol@test.local"), ("Protected", "you")], Entries(card)));
        var times = card.FindAll("time");
        Assert.Equal(["5 minutes ago", "8 minutes ago"], times.Select(t => t.TextContent.Trim()));
        Assert.Equal("2026-11-15 12:01:00 UTC", times[1].GetAttribute("title"));
    }

    [Fact]
    public async Task ThePortalsAndTheOperatorsEntriesAreNamedSoForTheOwner()
    {
        var image = await IntegrityTestImages.AddAsync(Harness, Callers.Alice, "checked", Harness.Clock.GetUtcNow().UtcDateTime);
        await Harness.Get<ImageIntegrityChecker>().CheckAllAsync(Callers.Operator);
        File.Delete(Path.Combine(Harness.Database.ImagesFolder, image.Id.ToString("D")));
        Harness.Clock.Advance(TimeSpan.FromDays(1));
        await Harness.Get<ImageIntegrityChecker>().CheckDueAsync(Harness.Clock.GetUtcNow().UtcDateTime, CancellationToken.None);

        var card = RenderActivity(image, Callers.Alice);

        card.WaitForAssertion(() => Assert.Equal(
            [("Integrity check: data missing", "the portal"), ("Integrity check: intact", ImagePolicy.OperatorSeenByCustomers)], Entries(card)));
        Assert.Contains("mud-warning-text", card.FindAll(".portal-activity-what")[0].ClassName);
        Assert.DoesNotContain("mud-warning-text", card.FindAll(".portal-activity-what")[1].ClassName);
    }

    private async Task<Image> CatalogImageAsync()
    {
        var image = await Harness.AddImageAsync(Callers.Operator, "ubuntu", ImageVisibility.Public);
        await Harness.Service.DeactivateAsync(Callers.Operator, image.Id);
        return await Harness.Service.ReactivateAsync(Callers.Operator, image.Id);
    }

    [Fact]
    public async Task ACustomerSeesNoActivityOfACatalogImage()
    {
        var image = await CatalogImageAsync();

        var card = RenderActivity(image, Callers.Alice);

        Assert.Empty(card.FindAll("[data-testid=activity]"));
        Assert.DoesNotContain("Activity", card.Markup);
    }

    [Fact]
    public async Task TheOperatorSeesTheActivityOfACatalogImage()
    {
        var image = await CatalogImageAsync();

        var card = RenderActivity(image, Callers.Operator);

        card.WaitForAssertion(() => Assert.Equal([("Reactivated", "you"), ("Deactivated", "you")], Entries(card)));
    }

    [Fact]
    public async Task ANewEntryAppearsAtTheTopWhileThePageIsOpen()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "live");
        var card = RenderActivity(image, Callers.Alice);
        card.WaitForAssertion(() => Assert.Contains("Nothing recorded yet.", card.Markup));

        await Harness.Service.SetProtectedAsync(Callers.AliceColleague, image.Id, true);

        card.WaitForAssertion(() => Assert.Equal([("Protected", "carol@test.local")], Entries(card)));
    }

    [Fact]
    public async Task ShowOlderAddsTheNextEntriesBelow()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "busy");
        for (var i = 0; i < ImageActivityPage.DefaultLimit + 3; i++)
        {
            await Harness.Service.SetProtectedAsync(Callers.Alice, image.Id, i % 2 == 0);
            Harness.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        var card = RenderActivity(image, Callers.Alice);
        card.WaitForAssertion(() => Assert.Equal(ImageActivityPage.DefaultLimit, Entries(card).Count));

        Button(card, "Show older").Click();

        card.WaitForAssertion(() => Assert.Equal(ImageActivityPage.DefaultLimit + 3, Entries(card).Count));
        Assert.False(HasButton(card, "Show older"));
        Assert.Equal("Protected", Entries(card)[^1].What);
    }
}
