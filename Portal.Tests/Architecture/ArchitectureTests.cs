using System.Reflection;
using Microsoft.AspNetCore.Components;
using NetArchTest.Rules;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Architecture;

/// <summary>
/// Dependencies point one way: the domain (images, accounts and application credentials) knows nothing of pages, MudBlazor, the browser or
/// HTTP, so that the pages, the upload endpoint and a future API all sit on the same rules. Razor components,
/// endpoint classes (*Endpoints), the browser's upload adapter and the API token sign-in (its scheme and handler) are the UI and
/// HTTP edges inside those folders.
/// </summary>
[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class ArchitectureTests
{
    private static readonly Assembly PortalAssembly = typeof(Image).Assembly;

    private static readonly string[] DomainNamespaces = ["Portal.Images", "Portal.Accounts", "Portal.Identity"];

    private static readonly string[] UiAndHttp =
        ["Portal.Components", "MudBlazor", "Microsoft.JSInterop", "Microsoft.AspNetCore.Http.HttpContext"];

    [Fact]
    public void DomainTypesDoNotReferenceComponentsMudBlazorJsInteropOrHttpContext()
    {
        var violations = DomainTypesDependingOn(PortalAssembly, DomainNamespaces, UiAndHttp);

        Assert.True(violations.Count == 0, "Domain types that reach into the UI or HTTP: " + string.Join(", ", violations));
    }

    [Fact]
    public void AccountsDoNotDependOnImages()
    {
        var violations = DomainTypesDependingOn(PortalAssembly, ["Portal.Accounts"], ["Portal.Images"]);

        Assert.True(violations.Count == 0, "Account types that depend on images: " + string.Join(", ", violations));
    }

    [Fact]
    public void OnlyTheCompositionRootNamesTheLocalDiskStore()
    {
        var users = Types.InAssembly(PortalAssembly)
            .Should().NotHaveDependencyOn(typeof(LocalDiskImageStore).FullName!)
            .GetResult().FailingTypes?.Select(t => Outermost(t).Name).Distinct().Order().ToList() ?? [];

        Assert.Equal(["LocalDiskImageStore", "PortalServiceExtensions"], users);
    }

    [Fact]
    public void TheRuleFailsWhenADomainTypeImportsAComponentNamespace()
    {
        var violations = DomainTypesDependingOn(typeof(ArchitectureTests).Assembly, [typeof(BadDomain.Pricing).Namespace!], UiAndHttp);

        Assert.Equal([typeof(BadDomain.Pricing).FullName, typeof(BadDomain.Styling).FullName], violations.Order());
    }

    /// <summary>Non-UI types in the given namespaces that depend on any of the forbidden names.</summary>
    internal static List<string> DomainTypesDependingOn(Assembly assembly, string[] namespaces, string[] forbidden)
    {
        var selected = Types.InAssembly(assembly).That().ResideInNamespaceStartingWith(namespaces[0]);
        foreach (var ns in namespaces.Skip(1))
        {
            selected = selected.Or().ResideInNamespaceStartingWith(ns);
        }

        var failing = selected.Should().NotHaveDependencyOnAny(forbidden).GetResult().FailingTypes ?? [];
        return failing.Select(Outermost).Where(IsDomain).Select(t => t.FullName!).Distinct().ToList();
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static bool IsDomain(Type type) =>
        !typeof(IComponent).IsAssignableFrom(type)
        && !type.Name.EndsWith("Endpoints", StringComparison.Ordinal)
        && type.Name is not ("BrowserUploads" or "ApiTokenAuthentication")
        && !IsAuthenticationHandler(type);

    // Signing a request in by its token is HTTP's business, like the endpoints.
    private static bool IsAuthenticationHandler(Type type) =>
        type.BaseType is { IsGenericType: true } baseType
        && baseType.GetGenericTypeDefinition() == typeof(Microsoft.AspNetCore.Authentication.AuthenticationHandler<>);
}
