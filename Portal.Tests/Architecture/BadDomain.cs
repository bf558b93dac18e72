namespace Portal.Tests.Architecture.BadDomain;

// Deliberate violations for the architecture test's negative case: "domain" types that import the UI.

/// <summary>A domain type that formats with a component helper.</summary>
internal sealed class Pricing
{
    public string Describe() => Portal.Components.Layout.PortalTheme.Theme.PaletteLight.Primary.ToString();
}

/// <summary>A domain type that uses a MudBlazor type.</summary>
internal sealed class Styling
{
    public MudBlazor.Color Colour { get; } = MudBlazor.Color.Primary;
}
