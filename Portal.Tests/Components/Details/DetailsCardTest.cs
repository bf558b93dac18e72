using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Accounts;
using Portal.Components.Shared;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Components.Details;

/// <summary>Renders one card of the details page under the action runner it expects, as the page does.</summary>
public abstract class DetailsCardTest : PortalComponentTest
{
    /// <summary>The images a card handed on as changed, in order.</summary>
    protected List<Image> Changed { get; } = [];

    /// <summary>How often the runner asked the page to show the truth again after a refusal.</summary>
    protected int Reloads { get; private set; }

    protected IRenderedComponent<MudDialogProvider> Dialogs { get; private set; } = default!;

    protected IReadOnlyList<Snackbar> Snackbars => Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToList();

    /// <summary>The runner the card sits under, as on the page.</summary>
    protected IRenderedComponent<ActionRunner> Runner { get; private set; } = default!;

    protected IRenderedComponent<TCard> RenderCard<TCard>(Action<ComponentParameterCollectionBuilder<TCard>> parameters) where TCard : IComponent
    {
        Dialogs = RenderProviders();
        Runner = Render<ActionRunner>(p => p.Add(r => r.Reload, () => Reloads++).AddChildContent(parameters));
        return Runner.FindComponent<TCard>();
    }

    protected EventCallback<Image> OnChanged() => EventCallback.Factory.Create<Image>(this, Changed.Add);

    protected static IElement Button<TCard>(IRenderedComponent<TCard> card, string text) where TCard : IComponent =>
        card.FindAll("button").Single(b => b.TextContent.Trim() == text);

    protected static bool HasButton<TCard>(IRenderedComponent<TCard> card, string text) where TCard : IComponent =>
        card.FindAll("button").Any(b => b.TextContent.Trim() == text);

    /// <summary>An active image that is not stored: enough for cards that only show it.</summary>
    protected static Image InMemoryImage(Caller owner, long size, long? virtualSize)
    {
        var now = new DateTime(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);
        var image = Image.Create(owner, new NewImage("shown", DiskFormat.Qcow2), now);
        image.BeginTransfer(owner, ImageStatus.Saving, now);
        image.CompleteTransfer(new ImageData(size, new string('a', 32), new string('b', 128), virtualSize, "qcow2 (compat 1.1)"), now);
        return image;
    }
}
