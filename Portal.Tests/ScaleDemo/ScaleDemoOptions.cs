using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Portal.Tests.ScaleDemo;

/// <param name="PortalFolder">The Portal project folder: the instances' content root, with the built Portal.dll under bin/.</param>
/// <param name="FirstPort">Instance A's port on 127.0.0.1; instance B takes the next one.</param>
public sealed record ScaleDemoOptions(string PortalFolder, int FirstPort)
{
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out ScaleDemoOptions? options, [NotNullWhen(false)] out string? error)
    {
        var folder = Path.GetFullPath("Portal");
        var port = ScaleDemo.DefaultFirstPort;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i], value)
            {
                case ("--portal", { Length: > 0 } path):
                    folder = Path.GetFullPath(path);
                    break;
                case ("--port", { } text) when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var first) && first is >= 1024 and < 65535:
                    port = first;
                    break;
                default:
                    options = null;
                    error = $"Unknown option or bad value: {string.Join(' ', args.Skip(i).Take(2))} (scale-demo [--portal Portal] [--port 1024-65534])";
                    return false;
            }
        }

        options = new ScaleDemoOptions(folder, port);
        error = null;
        return true;
    }
}
