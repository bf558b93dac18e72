namespace Portal.Accounts;

/// <summary>A customer account (an OpenStack project/tenant): it owns private images and their cost.</summary>
public sealed class Account
{
    public const int MaxNameLength = 100;

    private Account()
    {
        Name = string.Empty;
    }

    public Account(Guid id, string name, DateTime createdAt)
    {
        Id = id;
        Name = name;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; }
    public DateTime CreatedAt { get; private set; }
}
