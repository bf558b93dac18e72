using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Images;
using Portal.Images.Details;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class ActionRunnerTests : PortalComponentTest
{
    private int _reloads;

    private IRenderedComponent<ActionRunner> RenderRunner() =>
        Render<ActionRunner>(p => p.Add(r => r.Reload, () => _reloads++));

    private static Task<bool> Run(IRenderedComponent<ActionRunner> runner, Func<Task> action, string? success = null) =>
        runner.InvokeAsync(() => runner.Instance.RunAsync(action, success));

    private IReadOnlyList<Snackbar> Snackbars => Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToList();

    [Fact]
    public async Task SuccessIsSaidInASnackbar()
    {
        var runner = RenderRunner();
        var ran = 0;

        var succeeded = await Run(runner, () => Task.FromResult(ran++), "Changes saved.");

        Assert.True(succeeded);
        Assert.Equal(1, ran);
        var said = Assert.Single(Snackbars);
        Assert.Equal(("Changes saved.", Severity.Success), (said.Message, said.Severity));
        Assert.Equal(0, _reloads);
    }

    [Fact]
    public async Task SuccessMessageMayComeFromTheActionWithItsSeverity()
    {
        var runner = RenderRunner();

        await runner.InvokeAsync(() => runner.Instance.RunAsync(() => Task.FromResult<string?>("Importing “x”…"), Severity.Info));

        var said = Assert.Single(Snackbars);
        Assert.Equal(("Importing “x”…", Severity.Info), (said.Message, said.Severity));
    }

    [Fact]
    public async Task NotFoundIsSaidAndLeadsToTheImageList()
    {
        var runner = RenderRunner();

        var succeeded = await Run(runner, () => throw new ImageNotFoundException(Guid.NewGuid()));

        Assert.False(succeeded);
        var said = Assert.Single(Snackbars);
        Assert.Equal(("That image does not exist or you cannot see it.", Severity.Error), (said.Message, said.Severity));
        Assert.EndsWith("/compute/images", Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public async Task ConflictIsAWarningThatOffersReload()
    {
        var snackbars = Render<MudSnackbarProvider>();
        var runner = RenderRunner();

        var succeeded = await Run(runner, () => throw new ImageConflictException());

        Assert.False(succeeded);
        Assert.Equal(Severity.Warning, Assert.Single(Snackbars).Severity);
        Assert.Equal(0, _reloads);
        snackbars.WaitForAssertion(() => Assert.Contains("Someone else changed this image", snackbars.Markup));
        snackbars.FindAll("button").Single(b => b.TextContent.Trim() == "Reload").Click();
        Assert.Equal(1, _reloads);
    }

    [Fact]
    public async Task ConflictWithNothingToReloadOffersNoReload()
    {
        var snackbars = Render<MudSnackbarProvider>();
        var runner = Render<ActionRunner>();

        await Run(runner, () => throw new ImageConflictException());

        snackbars.WaitForAssertion(() => Assert.Contains("Someone else changed this image", snackbars.Markup));
        Assert.DoesNotContain(snackbars.FindAll("button"), b => b.TextContent.Trim() == "Reload");
    }

    [Fact]
    public async Task AnyOtherRefusalIsAnErrorAndReloads()
    {
        var runner = RenderRunner();

        var succeeded = await Run(runner, () => throw new ImageRuleException(Portal.Rules.RefusalCode.Protected, "This image is protected."), "never said");

        Assert.False(succeeded);
        var said = Assert.Single(Snackbars);
        Assert.Equal(("This image is protected.", Severity.Error), (said.Message, said.Severity));
        Assert.Equal(1, _reloads);
    }

    [Fact]
    public async Task FailuresThatAreNotRefusalsAreNotHidden()
    {
        var runner = RenderRunner();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Run(runner, () => throw new InvalidOperationException("bug")));

        Assert.Empty(Snackbars);
        Assert.False(runner.Instance.IsBusy);
    }

    [Fact]
    public async Task EveryControlUnderTheRunnerWaitsWhileAnActionRuns()
    {
        var image = await Harness.AddImageAsync(Callers.Alice, "busy");
        RenderProviders();
        var runner = Render<ActionRunner>(p => p.AddChildContent<ProtectionCard>(c => c
            .Add(x => x.Image, image)
            .Add(x => x.Caller, Callers.Alice)));
        var delete = () => runner.FindAll("button").Single(b => b.TextContent.Trim() == "Delete image");
        Assert.False(delete().HasAttribute("disabled"));
        var finish = new TaskCompletionSource();

        var running = Run(runner, () => finish.Task);

        runner.WaitForAssertion(() => Assert.True(delete().HasAttribute("disabled")));
        Assert.True(runner.Instance.IsBusy);
        finish.SetResult();
        Assert.True(await running);
        runner.WaitForAssertion(() => Assert.False(delete().HasAttribute("disabled")));
    }
}
