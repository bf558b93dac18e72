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

    /// <summary>The most its private images may occupy, in bytes; null means the configured default applies.</summary>
    public long? StorageQuotaBytes { get; private set; }

    /// <summary>Sets or clears (null) the account's own quota. Only the platform operator may.</summary>
    public void SetStorageQuota(Caller caller, long? quotaBytes)
    {
        if (!caller.IsOperator)
        {
            throw new Images.ImageRuleException("Only the platform operator can change storage quotas.");
        }

        if (quotaBytes is < 0)
        {
            throw new Images.ImageRuleException("A quota cannot be negative.");
        }

        StorageQuotaBytes = quotaBytes;
    }
}
