using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Data;

namespace Portal.Accounts;

/// <summary>Creates the platform account, the operator role and, unless switched off, the demo users.</summary>
public sealed class DemoUserSeeder(
    UserManager<PortalUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<PortalOptions> options,
    TimeProvider clock,
    ILogger<DemoUserSeeder> logger)
{
    public const string PlatformAccountName = "platform";

    private sealed record DemoUser(string Email, string AccountName, string? Persona, bool IsOperator);

    private static readonly DemoUser[] DemoUsers =
    [
        new("alice@demo.local", "alice-project", "alice", IsOperator: false),
        new("bob@demo.local", "bob-project", "bob", IsOperator: false),
        new("operator@demo.local", PlatformAccountName, null, IsOperator: true),
    ];

    /// <summary>What seeding created: the platform account, and the demo users new this time with their persona.</summary>
    public sealed record Seeded(Guid PlatformAccountId, IReadOnlyList<(Caller Caller, string Persona)> NewPersonas);

    public async Task<Seeded> SeedAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        if (!await roleManager.RoleExistsAsync(Caller.OperatorRole))
        {
            await roleManager.CreateAsync(new IdentityRole(Caller.OperatorRole));
        }

        var platform = await EnsureAccountAsync(db, PlatformAccountName, cancellationToken);
        var demo = options.Value.Demo;
        var personas = new List<(Caller, string)>();
        if (demo.SeedUsers)
        {
            foreach (var user in DemoUsers)
            {
                if (await EnsureUserAsync(db, user, demo.Password, cancellationToken) is { } created && user.Persona is { } persona)
                {
                    personas.Add((created, persona));
                }
            }
        }

        return new Seeded(platform.Id, personas);
    }

    /// <summary>Creates the demo user unless it exists; the new user as a caller, or null.</summary>
    private async Task<Caller?> EnsureUserAsync(PortalDbContext db, DemoUser demo, string password, CancellationToken cancellationToken)
    {
        if (await userManager.FindByEmailAsync(demo.Email) is not null)
        {
            return null;
        }

        var account = await EnsureAccountAsync(db, demo.AccountName, cancellationToken);
        var user = new PortalUser { UserName = demo.Email, Email = demo.Email, EmailConfirmed = true, AccountId = account.Id };
        var created = await userManager.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not create demo user {demo.Email}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
        }

        if (demo.IsOperator)
        {
            await userManager.AddToRoleAsync(user, Caller.OperatorRole);
        }

        logger.LogInformation("Created demo user {Email}", demo.Email);
        return new Caller(user.Id, demo.Email, account.Id, demo.IsOperator);
    }

    private async Task<Account> EnsureAccountAsync(PortalDbContext db, string name, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Name == name, cancellationToken);
        if (account is null)
        {
            account = new Account(Guid.NewGuid(), name, clock.GetUtcNow().UtcDateTime);
            db.Accounts.Add(account);
            await db.SaveChangesAsync(cancellationToken);
        }

        return account;
    }
}
