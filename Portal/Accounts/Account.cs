using Portal.Rules;

namespace Portal.Accounts;

/// <summary>A customer account (an OpenStack project/tenant): it owns private images and their cost.</summary>
public sealed class Account
{
    public const int MaxNameLength = 100;
    public const string OnlyOperatorManagesQuotas = "Only the platform operator can see and change storage quotas.";

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

    /// <summary>An account's quota is its own, or the platform's default when it has none; null means no limit.</summary>
    public static long? EffectiveQuota(long? ownQuotaBytes, long? defaultQuotaBytes) => ownQuotaBytes ?? defaultQuotaBytes;

    /// <summary>Storage quotas are the platform's business: only the operator sees and sets them.</summary>
    public static Decision DecideManageQuotas(Caller caller) =>
        caller.IsOperator ? Decision.Allow : Decision.Refuse(RefusalCode.NotAllowed, OnlyOperatorManagesQuotas);

    /// <summary>Sets or clears (null) the account's own quota.</summary>
    public void SetStorageQuota(Caller caller, long? quotaBytes)
    {
        DecideManageQuotas(caller).ThrowIfRefused();
        if (quotaBytes is < 0)
        {
            throw new RefusedException(RefusalCode.Invalid, "A quota cannot be negative.");
        }

        StorageQuotaBytes = quotaBytes;
    }
}
