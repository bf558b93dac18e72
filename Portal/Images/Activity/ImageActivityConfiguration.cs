using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Images.Activity;

public sealed class ImageActivityConfiguration : IEntityTypeConfiguration<ImageActivity>
{
    public void Configure(EntityTypeBuilder<ImageActivity> builder)
    {
        builder.ToTable("ImageActivities");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedOnAdd();
        builder.Property(a => a.Kind).HasMaxLength(32).HasConversion<string>();
        builder.Property(a => a.Actor).HasMaxLength(ImageActivity.MaxActorLength);
        builder.Property(a => a.ActorUserId).HasMaxLength(450);
        builder.Property(a => a.Detail).HasMaxLength(ImageActivity.MaxDetailLength);
        builder.Ignore(a => a.ByPortal);

        // The log belongs to the image but must outlive any attempt to remove its row: the database refuses that instead
        // of taking the history with it.
        builder.HasOne<Image>().WithMany().HasForeignKey(a => a.ImageId).OnDelete(DeleteBehavior.Restrict);

        // The details page reads one image's newest entries.
        builder.HasIndex(a => new { a.ImageId, a.At });
    }
}
