using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Accounts;

namespace Portal.Images;

public sealed class ImageConfiguration : IEntityTypeConfiguration<Image>
{
    public void Configure(EntityTypeBuilder<Image> builder)
    {
        builder.ToTable("Images");
        builder.HasKey(i => i.Id);

        // Names sort and match case-insensitively, as people expect in a list.
        builder.Property(i => i.Name).HasMaxLength(Image.MaxNameLength).IsRequired().UseCollation("NOCASE");
        builder.Property(i => i.Description).HasMaxLength(Image.MaxDescriptionLength);
        builder.Property(i => i.OsDistro).HasMaxLength(Image.MaxOsFieldLength);
        builder.Property(i => i.OsVersion).HasMaxLength(Image.MaxOsFieldLength);
        builder.Property(i => i.Architecture).HasMaxLength(32).IsRequired();
        builder.Property(i => i.Checksum).HasMaxLength(32);
        builder.Property(i => i.OsHashAlgo).HasMaxLength(16);
        builder.Property(i => i.OsHashValue).HasMaxLength(128);
        builder.Property(i => i.StatusReason).HasMaxLength(1000);
        builder.Property(i => i.DetectedFormat).HasMaxLength(64);
        builder.Property(i => i.ExpectedDataChecksum).HasMaxLength(ExpectedChecksum.MaxLength);
        builder.Property(i => i.ImportUrl).HasMaxLength(Import.ImportUrlPolicy.MaxUrlLength);

        // Enums are stored under their OpenStack wire names ("pending_delete", "qcow2", "private").
        builder.Property(i => i.Status).HasMaxLength(16)
            .HasConversion(v => v.ToApiName(), v => ImageWireNames.ParseStatus(v));
        builder.Property(i => i.DiskFormat).HasMaxLength(16)
            .HasConversion(v => v.ToApiName(), v => ImageWireNames.Parse<DiskFormat>(v));
        builder.Property(i => i.ContainerFormat).HasMaxLength(16)
            .HasConversion(v => v.ToApiName(), v => ImageWireNames.Parse<ContainerFormat>(v));
        builder.Property(i => i.StatusBeforeDelete).HasMaxLength(16)
            .HasConversion(v => v.HasValue ? v.Value.ToApiName() : null, v => v == null ? null : ImageWireNames.ParseStatus(v));
        builder.Property(i => i.Integrity).HasMaxLength(24)
            .HasConversion(v => v.ToApiName(), v => ImageWireNames.Parse<ImageIntegrity>(v.Replace("_", "", StringComparison.Ordinal)));
        builder.Property(i => i.Visibility).HasMaxLength(16)
            .HasConversion(v => v.ToApiName(), v => ImageWireNames.Parse<ImageVisibility>(v));

        // Tags as a JSON array (filterable with json_each), properties as one JSON object: neither needs a table of its own.
        builder.PrimitiveCollection(i => i.Tags).IsRequired();
        builder.Property(i => i.Properties).IsRequired()
            .HasConversion(
                v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>(),
                new ValueComparer<IReadOnlyDictionary<string, string>>(
                    (a, b) => a!.Count == b!.Count && a.All(p => b.ContainsKey(p.Key) && b[p.Key] == p.Value),
                    v => v.Aggregate(0, (hash, p) => hash ^ HashCode.Combine(p.Key, p.Value)),
                    v => new Dictionary<string, string>(v)));

        builder.Property(i => i.Version).IsConcurrencyToken();

        // Who may see an image depends on its members, so they come with every image that is read.
        builder.HasMany(i => i.Members).WithOne().HasForeignKey(m => m.ImageId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(i => i.Members).HasField("_members").UsePropertyAccessMode(PropertyAccessMode.Field).AutoInclude();

        builder.HasOne<Account>().WithMany().HasForeignKey(i => i.Owner).OnDelete(DeleteBehavior.Restrict);

        // The two lists: an account's private images, and the public catalog; both newest first by default. The first
        // also answers an account's count (and its usage) from the index alone.
        builder.HasIndex(i => new { i.Owner, i.Visibility, i.Status, i.CreatedAt });
        builder.HasIndex(i => new { i.Visibility, i.Status, i.CreatedAt });

        // An account's images in the order a list shows them (the id breaks ties, in the same direction, see ImageOrder):
        // the first page, and the page after a marker, are read from the index in order instead of sorting every image
        // of the account. Both directions read the same index.
        builder.HasIndex(i => new { i.Owner, i.CreatedAt, i.Id });
        builder.HasIndex(i => new { i.Owner, i.Name, i.Id });
        builder.HasIndex(i => new { i.Owner, i.UpdatedAt, i.Id });

        // An account's usage (UsageService): what is stored since when, read from the index alone.
        builder.HasIndex(i => new { i.Owner, i.DeletedAt, i.ActivatedAt, i.Visibility, i.Size });

        // The scrubber's question: which pending-delete images are past their restore window.
        builder.HasIndex(i => new { i.Status, i.RestorableUntil });
    }
}

internal static class ImageWireNames
{
    public static ImageStatus ParseStatus(string value) =>
        value == "pending_delete" ? ImageStatus.PendingDelete : Parse<ImageStatus>(value);

    public static T Parse<T>(string value) where T : struct, Enum => Enum.Parse<T>(value, ignoreCase: true);
}
