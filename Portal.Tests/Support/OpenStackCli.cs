using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Identity;

namespace Portal.Tests.Support;

/// <summary>What one run of a client printed, and how it ended.</summary>
public sealed record CliResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"`{CommandLine}` exited with {ExitCode}.\n--- stdout ---\n{Output.TrimEnd()}\n--- stderr ---\n{Error.TrimEnd()}";
}

/// <summary>
/// Debian's real <c>openstack</c> and <c>glance</c> clients (installed by test.sh), signed in with nothing but an
/// application credential made through the portal's own service and the <c>clouds.yaml</c> the portal offers for it.
/// Each client runs as its own process with a clean environment (a private HOME, no proxy variables, no OS_*
/// variables but the clouds.yaml path) and a bounded time; a client that hangs is killed.
/// </summary>
public sealed class OpenStackCli : IDisposable
{
    public const string Cloud = CloudsYaml.CloudName;

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private OpenStackCli(string folder, CreatedApplicationCredential credential, string cloudsYaml)
    {
        Folder = folder;
        Credential = credential;
        CloudsYamlPath = Path.Combine(folder, CloudsYaml.FileName);
        File.WriteAllText(CloudsYamlPath, cloudsYaml);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(CloudsYamlPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The client's working directory and HOME; files for <c>--file</c> go here too.</summary>
    public string Folder { get; }

    public CreatedApplicationCredential Credential { get; }

    public string CloudsYamlPath { get; }

    /// <summary>
    /// A new application credential of <paramref name="email"/>, made as the credentials page makes it, and its
    /// clouds.yaml as the page offers it (the portal's auth URL and region).
    /// </summary>
    public static async Task<OpenStackCli> SignInAsync(KestrelPortal portal, string email)
    {
        var caller = await portal.CallerAsync(email);
        var created = await portal.Services.GetRequiredService<ApplicationCredentialService>()
            .CreateAsync(caller, new NewApplicationCredential { Name = $"cli-{Guid.NewGuid():N}"[..20] });
        var urls = portal.Services.GetRequiredService<PublicUrls>();
        var region = portal.Services.GetRequiredService<IOptions<PortalOptions>>().Value.Api.Region;
        var yaml = CloudsYaml.For(urls.IdentityV3, region, created.Credential, created.Secret);
        return new OpenStackCli(Directory.CreateTempSubdirectory("portal-cli-").FullName, created, yaml);
    }

    /// <summary>The clients with a clouds.yaml as a browser saved it from the credentials page, for that credential.</summary>
    public static OpenStackCli WithDownloaded(string cloudsYaml, CreatedApplicationCredential credential) =>
        new(Directory.CreateTempSubdirectory("portal-cli-").FullName, credential, cloudsYaml);

    public string PathOf(string fileName) => Path.Combine(Folder, fileName);

    /// <summary>A real qcow2 made by qemu-img in the client's folder: 2 MiB of data from a seed, then 14 MiB of holes.</summary>
    public string MakeQcow2(string fileName, int seed)
    {
        var raw = PathOf(fileName + ".raw");
        var data = new byte[16 * 1024 * 1024];
        new Random(seed).NextBytes(data.AsSpan(0, 2 * 1024 * 1024));
        File.WriteAllBytes(raw, data);
        var qcow2 = PathOf(fileName);
        QemuImg.Run("convert", "-f", "raw", "-O", "qcow2", raw, qcow2);
        File.Delete(raw);
        return qcow2;
    }

    /// <summary><c>openstack --os-cloud portal …</c>, whatever its outcome.</summary>
    public Task<CliResult> TryOpenStackAsync(params string[] arguments) =>
        RunAsync("openstack", ["--os-cloud", Cloud, .. arguments]);

    /// <summary><c>openstack --os-cloud portal …</c> that must succeed; its stdout.</summary>
    public async Task<string> OpenStackAsync(params string[] arguments) => Checked(await TryOpenStackAsync(arguments)).Output;

    /// <summary><c>openstack --os-cloud portal … -f json</c> that must succeed; its output parsed.</summary>
    public async Task<JsonElement> OpenStackJsonAsync(params string[] arguments) =>
        ParseJson(Checked(await TryOpenStackAsync([.. arguments, "-f", "json"])));

    /// <summary>
    /// <c>glance --os-image-url … --os-auth-token … …</c>: Debian's glance 4.1.0 reads no clouds.yaml and knows no
    /// application credential, so it gets the catalog's image URL and a token issued for the same credential.
    /// </summary>
    public Task<CliResult> TryGlanceAsync(string imageUrl, string token, params string[] arguments) =>
        RunAsync("glance", ["--os-image-url", imageUrl, "--os-auth-token", token, "--os-image-api-version", "2", .. arguments]);

    public async Task<string> GlanceAsync(string imageUrl, string token, params string[] arguments) =>
        Checked(await TryGlanceAsync(imageUrl, token, arguments)).Output;

    /// <summary>
    /// The command succeeded, and quietly: a client that prints a warning on success (e.g. "Failed to contact the
    /// endpoint … for discovery. Fallback to …") worked around something the portal answered wrongly.
    /// </summary>
    public static CliResult Checked(CliResult result, bool quiet = true) =>
        !result.Succeeded ? throw new Xunit.Sdk.XunitException("A client command failed: " + result)
        : quiet && result.Error.Trim().Length > 0 ? throw new Xunit.Sdk.XunitException("A client command succeeded with warnings: " + result)
        : result;

    public static JsonElement ParseJson(CliResult result)
    {
        try
        {
            using var document = JsonDocument.Parse(result.Output);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"The client printed no JSON ({e.Message}): {result}");
        }
    }

    public async Task<CliResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        // The client runs with its standard input closed, as from cron (`glance … <&-`): glance takes any stdin that is
        // not a terminal for image data and then refuses image-create-via-import ("You cannot pass data via stdin").
        // The shell only closes fd 0 and execs the client with the arguments as they are (nothing is interpolated).
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" <&-");
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of the machine's environment reaches the client: no proxy, no OS_* settings, no user config.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = Folder;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Folder, ".config");
        start.Environment["XDG_CACHE_HOME"] = Path.Combine(Folder, ".cache");
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["OS_CLIENT_CONFIG_FILE"] = CloudsYamlPath;
        start.Environment["PYTHONWARNINGS"] = "ignore";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        var commandLine = program + " " + string.Join(' ', arguments.Select(Quote));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned nothing.");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"Could not start `{commandLine}` (test.sh installs python3-openstackclient and python3-glanceclient): {e.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new Xunit.Sdk.XunitException(
                    $"`{commandLine}` did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s and was killed.\n--- stdout ---\n{await output}\n--- stderr ---\n{await error}");
            }

            return new CliResult(commandLine, process.ExitCode, await output, await error);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''") + "'";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A client killed a moment ago may still hold a file; the OS temp cleaner takes it.
        }
    }
}
