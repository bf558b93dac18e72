using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>The portal's colours, light and dark.</summary>
/// <remarks>
/// Status colours are text as often as fills (chips, text alerts, outlined buttons), so each reads at 4.5:1 or more
/// (WCAG 2.1 AA) on the surface, the page background and its own 6 % hover tint; MudBlazor's defaults do not. Text alerts
/// use the *Darken shade and filled controls *ContrastText on the main and *Darken colours, hence in dark mode *Darken is
/// the lighter shade and *ContrastText is dark. The browser tests audit every page with axe in both modes.
/// </remarks>
public static class PortalTheme
{
    /// <summary>Text on the bright dark-mode fills (white on them stays under 3:1).</summary>
    private const string DarkModeContrastText = "#0d131c";

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fbf",
            Secondary = "#5c6b7a",
            AppbarBackground = "#15263d",
            AppbarText = "#ffffff",
            Background = "#f5f7fa",
            DrawerBackground = "#ffffff",
            TextSecondary = "rgba(0,0,0,0.6)",
            Info = "#0b6bbf",
            InfoDarken = "#09589d",
            InfoLighten = "#0e86ef",
            Success = "#007a35",
            SuccessDarken = "#005625",
            SuccessLighten = "#00ad4b",
            Warning = "#9c5700",
            WarningDarken = "#784300",
            WarningLighten = "#cf7300",
            Error = "#c62828",
            ErrorDarken = "#a82222",
            ErrorLighten = "#da4747",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#6ea8ff",
            Secondary = "#9fb0c2",
            AppbarBackground = "#101a2a",
            Background = "#151b24",
            Surface = "#1d2532",
            DrawerBackground = "#1a212c",
            PrimaryContrastText = DarkModeContrastText,
            SecondaryContrastText = DarkModeContrastText,
            Info = "#3299ff",
            InfoDarken = "#56abff",
            InfoLighten = "#79bdff",
            InfoContrastText = DarkModeContrastText,
            Success = "#0bba83",
            SuccessDarken = "#0ddc9b",
            SuccessLighten = "#1bf2ae",
            SuccessContrastText = DarkModeContrastText,
            Warning = "#ffa800",
            WarningDarken = "#ffb424",
            WarningLighten = "#ffc047",
            WarningContrastText = DarkModeContrastText,
            Error = "#ff6b7a",
            ErrorDarken = "#ff8f9a",
            ErrorLighten = "#ffb2ba",
            ErrorContrastText = DarkModeContrastText,
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
            },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px" },
    };
}
