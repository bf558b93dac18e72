using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Images;
using Portal.Images.Components;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class RefreshOnImageChangeTests : PortalComponentTest
{
    private static readonly Guid Shown = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    /// <summary>A change of an image of <paramref name="owner"/>'s (Alice by default): saving with progress, else active.</summary>
    private static ImageChange ChangeOf(Guid imageId, TransferProgress? progress = null, Portal.Accounts.Caller? owner = null)
    {
        owner ??= Callers.Alice;
        var now = DateTime.UtcNow;
        var image = Image.Create(owner, new NewImage("image", DiskFormat.Raw, Id: imageId), now);
        image.BeginTransfer(owner, ImageStatus.Saving, now);
        if (progress is null)
        {
            image.CompleteTransfer(new ImageData(1, new string('0', 32), new string('0', 128), 1), now);
        }

        return ImageChange.Of(image, progress);
    }

    private IRenderedComponent<RefreshOnImageChange> Listen(List<ImageChange> heard, Guid? imageId = null, bool ignoreProgress = false) =>
        Render<RefreshOnImageChange>(p => p
            .Add(c => c.ImageId, imageId)
            .Add(c => c.IgnoreProgress, ignoreProgress)
            .Add(c => c.OnChange, (ImageChange change) => heard.Add(change)));

    [Fact]
    public async Task AnOpenPageListensUntilItGoesAway()
    {
        var listener = Listen([]);

        listener.WaitForAssertion(() => Assert.Equal(1, Harness.Events.SubscriberCount));
        await DisposeComponentsAsync();
        Assert.Equal(0, Harness.Events.SubscriberCount);
    }

    [Fact]
    public void APrerenderedPageDoesNotListen()
    {
        // The prerenderer's copy of a page is plain HTML, replaced when the circuit starts: re-rendering it on a change
        // while it still rendered failed under load (the circuits benchmark leg).
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var heard = new List<ImageChange>();
        Listen(heard);

        Harness.Events.Publish(ChangeOf(Shown));

        Assert.Equal(0, Harness.Events.SubscriberCount);
        Assert.Empty(heard);
    }

    [Fact]
    public void ChangesOfTheShownImageAreHeard()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard, Shown);

        Harness.Events.Publish(ChangeOf(Shown));

        listener.WaitForAssertion(() => Assert.Equal([Shown], heard.Select(c => c.ImageId)));
    }

    [Fact]
    public void AChangeOfAnotherImageDoesNotTrigger()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard, Shown);

        Harness.Events.Publish(ChangeOf(Other));
        Harness.Events.Publish(ChangeOf(Shown));

        // The second change arrives after the first: once it is heard, the first was passed over.
        listener.WaitForAssertion(() => Assert.Equal([Shown], heard.Select(c => c.ImageId)));
    }

    [Fact]
    public void WithoutAnImageIdEveryVisibleImageIsHeard()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard);

        Harness.Events.Publish(ChangeOf(Other));
        Harness.Events.Publish(ChangeOf(Shown));

        listener.WaitForAssertion(() => Assert.Equal([Other, Shown], heard.Select(c => c.ImageId)));
    }

    [Fact]
    public void ChangesOfAnotherAccountAreNotHeard()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard);

        Harness.Events.Publish(ChangeOf(Other, owner: Callers.Bob));
        Harness.Events.Publish(ChangeOf(Shown));

        listener.WaitForAssertion(() => Assert.Equal([Shown], heard.Select(c => c.ImageId)));
    }

    [Fact]
    public void ProgressReportsAreSkippedWhenAsked()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard, ignoreProgress: true);

        Harness.Events.Publish(ChangeOf(Shown, new TransferProgress(512, 1024, DateTime.UtcNow)));
        Harness.Events.Publish(ChangeOf(Shown));

        listener.WaitForAssertion(() => Assert.Single(heard));
        Assert.Null(heard[0].Progress);
    }

    [Fact]
    public void ProgressReportsAreHeardByDefault()
    {
        var heard = new List<ImageChange>();
        var listener = Listen(heard, Shown);

        Harness.Events.Publish(ChangeOf(Shown, new TransferProgress(512, 1024, DateTime.UtcNow)));

        listener.WaitForAssertion(() => Assert.Equal(512, Assert.Single(heard).Progress?.Bytes));
    }

    [Fact]
    public async Task DisposalUnsubscribes()
    {
        var gone = new List<ImageChange>();
        Listen(gone);
        await DisposeComponentsAsync();
        var stays = new List<ImageChange>();
        var listener = Listen(stays);

        Harness.Events.Publish(ChangeOf(Shown));

        // Every subscriber is told in one pass: once the remaining one heard the change, a leftover one would have too.
        listener.WaitForAssertion(() => Assert.Single(stays));
        Assert.Empty(gone);
    }

    [Fact]
    public async Task AFailingHandlerSurfacesAsTheComponentsOwnError()
    {
        Render<RefreshOnImageChange>(p => p
            .Add(c => c.OnChange, (ImageChange _) => throw new InvalidOperationException("reload failed")));

        Harness.Events.Publish(ChangeOf(Shown));

        var error = await Renderer.UnhandledException.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("reload failed", error.Message);
    }
}
