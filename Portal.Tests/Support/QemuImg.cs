using System.Diagnostics;
using System.Text.Json;

namespace Portal.Tests.Support;

/// <summary>Runs Debian's qemu-img (installed by test.sh) to make and judge real disk images.</summary>
public static class QemuImg
{
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"qemu-img {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }

    public static (string Format, long VirtualSize) Info(string path)
    {
        using var json = JsonDocument.Parse(Run("info", "--output=json", path));
        return (json.RootElement.GetProperty("format").GetString()!, json.RootElement.GetProperty("virtual-size").GetInt64());
    }
}
