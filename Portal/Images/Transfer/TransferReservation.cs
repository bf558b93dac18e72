using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Coordination;

namespace Portal.Images.Transfer;

/// <summary>
/// One transfer in progress, on whichever instance runs it: it holds one of its account's transfer slots and the bytes it
/// has claimed against the quota, and lives as long as the running instance renews its lease. A row whose lease ran out
/// belongs to an instance that died: the transfer is put back (or restarted) by whoever reclaims it first.
/// </summary>
public sealed class TransferReservation
{
    private TransferReservation()
    {
        InstanceId = string.Empty;
    }

    internal TransferReservation(Guid imageId, Guid accountId, TransferKind kind, string instanceId, DateTime now, DateTime leasedUntil)
    {
        Id = Guid.NewGuid();
        ImageId = imageId;
        AccountId = accountId;
        Kind = kind;
        InstanceId = instanceId;
        StartedAt = now;
        LeasedUntil = leasedUntil;
    }

    public Guid Id { get; private set; }

    public Guid ImageId { get; private set; }

    /// <summary>The account whose transfer slot this is (whoever sent the upload; the owner for an import).</summary>
    public Guid AccountId { get; private set; }

    /// <summary>The account whose quota the claimed bytes count against (the image's owner), once bytes are claimed.</summary>
    public Guid? QuotaAccountId { get; private set; }

    public TransferKind Kind { get; private set; }

    /// <summary>Bytes claimed against the quota so far.</summary>
    public long Bytes { get; private set; }

    public string InstanceId { get; private set; }

    public DateTime StartedAt { get; private set; }

    public DateTime LeasedUntil { get; private set; }

    /// <summary>Someone asked (on any instance) for the transfer to stop; the instance running it stops it at its next heartbeat.</summary>
    public bool CancelRequested { get; private set; }

    /// <summary>Who asked, as JSON of the caller (for the activity log), when it was a person.</summary>
    public string? CancelRequestedBy { get; private set; }
}

public sealed class TransferReservationConfiguration : IEntityTypeConfiguration<TransferReservation>
{
    public void Configure(EntityTypeBuilder<TransferReservation> builder)
    {
        builder.ToTable("TransferReservations");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.InstanceId).HasMaxLength(PortalInstance.MaxIdLength).IsRequired();
        builder.Property(r => r.CancelRequestedBy).HasMaxLength(2000);
        builder.HasIndex(r => r.ImageId);
        builder.HasIndex(r => new { r.AccountId, r.Kind });
        builder.HasIndex(r => r.QuotaAccountId);
        builder.HasIndex(r => r.InstanceId);
    }
}
