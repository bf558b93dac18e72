using Microsoft.AspNetCore.Identity;

namespace Portal.Accounts;

/// <summary>A person who signs in; every user belongs to exactly one account.</summary>
public sealed class PortalUser : IdentityUser
{
    public Guid AccountId { get; set; }
}
