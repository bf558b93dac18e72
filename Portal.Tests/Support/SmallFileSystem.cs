using System.Diagnostics;

namespace Portal.Tests.Support;

/// <summary>
/// A size-limited tmpfs mounted on a folder (the tests run as root). A test that needs one fails loudly when the mount
/// is not possible: it must never pass by skipping.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    public static SmallFileSystem Mount(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        return new SmallFileSystem(path);
    }

    private bool _unmounted;

    /// <summary>Unmounts once (lazily, so that a file the server still holds does not stop it); a second call does nothing.</summary>
    public void Dispose()
    {
        if (!_unmounted)
        {
            _unmounted = true;
            Run("umount", "-l", Path);
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} could not be started.");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}
