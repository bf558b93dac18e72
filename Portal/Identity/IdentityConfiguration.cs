using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Accounts;

namespace Portal.Identity;

public sealed class ApplicationCredentialConfiguration : IEntityTypeConfiguration<ApplicationCredential>
{
    public void Configure(EntityTypeBuilder<ApplicationCredential> builder)
    {
        builder.ToTable("ApplicationCredentials");
        builder.HasKey(c => c.Id);
        builder.Ignore(c => c.PublicId);
        builder.Property(c => c.Name).HasMaxLength(ApplicationCredential.MaxNameLength).IsRequired();
        builder.Property(c => c.Description).HasMaxLength(ApplicationCredential.MaxDescriptionLength);
        builder.Property(c => c.SecretHash).IsRequired();
        builder.HasIndex(c => new { c.UserId, c.Name }).IsUnique();
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("ApiTokens");
        builder.HasKey(t => t.Id);
        builder.Ignore(t => t.AuditId);
        builder.Property(t => t.Hash).IsRequired();
        builder.HasIndex(t => t.Hash).IsUnique();
        builder.HasIndex(t => t.ExpiresAt);
        builder.HasOne<ApplicationCredential>().WithMany().HasForeignKey(t => t.CredentialId).OnDelete(DeleteBehavior.Cascade);
    }
}
