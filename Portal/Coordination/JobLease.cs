using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Coordination;

/// <summary>Who runs a background job now: the instance that holds the lease until it runs out or is given back.</summary>
public sealed class JobLease
{
    public const int MaxJobLength = 64;

    private JobLease()
    {
        Job = string.Empty;
        Holder = string.Empty;
    }

    internal JobLease(string job, string holder, DateTime leasedUntil)
    {
        Job = job;
        Holder = holder;
        LeasedUntil = leasedUntil;
    }

    public string Job { get; private set; }

    public string Holder { get; private set; }

    public DateTime LeasedUntil { get; private set; }
}

public sealed class JobLeaseConfiguration : IEntityTypeConfiguration<JobLease>
{
    public void Configure(EntityTypeBuilder<JobLease> builder)
    {
        builder.ToTable("JobLeases");
        builder.HasKey(l => l.Job);
        builder.Property(l => l.Job).HasMaxLength(JobLease.MaxJobLength);
        builder.Property(l => l.Holder).HasMaxLength(PortalInstance.MaxIdLength).IsRequired();
    }
}
