using System.Diagnostics;
using System.Text.Json;

namespace Portal.Tests.Support;

/// <summary>What qemu-img says about an image file.</summary>
public sealed record QemuInfo(string Format, long VirtualSize, string? BackingFile);

/// <summary>Runs Debian's qemu-img and genisoimage (installed by test.sh) to make and judge real disk images.</summary>
public static class QemuImg
{
    public static string Run(params string[] arguments) => Tool("qemu-img", arguments);

    public static QemuInfo Info(string path)
    {
        using var json = JsonDocument.Parse(Run("info", "--output=json", path));
        var root = json.RootElement;
        var backing = root.TryGetProperty("backing-filename", out var value) ? value.GetString() : null;
        return new QemuInfo(root.GetProperty("format").GetString()!, root.GetProperty("virtual-size").GetInt64(), backing);
    }

    public static string Tool(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
    }
}
