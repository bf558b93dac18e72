using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Accounts;

/// <summary>
/// <c>dotnet run --project Portal -- create-operator EMAIL</c>: gives a fresh production its first operator, whose
/// password nobody else has read. The password comes from the environment variable <see cref="PasswordVariable"/>
/// (for scripts) or, when that is not set, from the first line of standard input.
/// </summary>
public static class OperatorCommand
{
    public const string Name = "create-operator";
    public const string PasswordVariable = "PORTAL_OPERATOR_PASSWORD";

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <summary>The arguments the web host still reads as configuration (everything after the email).</summary>
    public static string[] HostArguments(string[] args) => IsRequested(args) ? args[Math.Min(args.Length, 2)..] : args;

    /// <summary>Creates the operator; the process's exit code (0 when created).</summary>
    public static async Task<int> RunAsync(
        IServiceProvider services, string[] args, Func<string?> passwordVariable, TextReader input, TextWriter output, TextWriter error)
    {
        if (args is not [Name, var email, ..] || !email.Contains('@', StringComparison.Ordinal))
        {
            await error.WriteLineAsync($"Usage: dotnet run --project Portal -- {Name} EMAIL   (password from {PasswordVariable} or standard input)");
            return 2;
        }

        var password = passwordVariable() ?? await input.ReadLineAsync();
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync($"No password: set {PasswordVariable} or type it on standard input.");
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        if (await users.FindByEmailAsync(email) is not null)
        {
            await error.WriteLineAsync($"A user {email} already exists; nothing was changed.");
            return 1;
        }

        // Start-up seeding always creates the platform account and the operator role.
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var platform = await db.Accounts.SingleAsync(a => a.Name == DemoUserSeeder.PlatformAccountName);
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, AccountId = platform.Id };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            await error.WriteLineAsync($"The operator was not created: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            return 1;
        }

        await users.AddToRoleAsync(user, Caller.OperatorRole);
        await output.WriteLineAsync($"Created operator {email} in the {DemoUserSeeder.PlatformAccountName} account.");
        return 0;
    }
}
