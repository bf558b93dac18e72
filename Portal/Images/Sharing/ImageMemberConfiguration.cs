using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Accounts;

namespace Portal.Images.Sharing;

public sealed class ImageMemberConfiguration : IEntityTypeConfiguration<ImageMember>
{
    public void Configure(EntityTypeBuilder<ImageMember> builder)
    {
        builder.ToTable("ImageMembers");

        // One membership per account and image: a second share of the same image with the same account is a conflict.
        builder.HasKey(m => new { m.ImageId, m.MemberId });
        builder.Property(m => m.Status).HasMaxLength(16)
            .HasConversion(v => v.ToApiName(), v => Enum.Parse<MemberStatus>(v, true));
        builder.HasOne<Account>().WithMany().HasForeignKey(m => m.MemberId).OnDelete(DeleteBehavior.Cascade);

        // The Shared with me tab: the images shared with one account.
        builder.HasIndex(m => new { m.MemberId, m.Status });
    }
}
