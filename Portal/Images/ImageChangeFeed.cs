using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Coordination;
using Portal.Images.Activity;
using Portal.Images.Sharing;

namespace Portal.Images;

/// <summary>
/// One saved change of an image, in the order the database took them: what other instances read to update their open
/// pages (<see cref="ImageChangePoller"/>). It is written in the same save as the change itself, so a change that was
/// saved is always announced and one that failed never is.
/// </summary>
public sealed class ImageChangeRecord
{
    private ImageChangeRecord()
    {
        Origin = string.Empty;
    }

    internal ImageChangeRecord(Guid imageId, DateTime changedAt, string origin, ImageStatus? previousStatus, ImageVisibility? previousVisibility, Guid? formerMember)
    {
        ImageId = imageId;
        ChangedAt = changedAt;
        Origin = origin;
        PreviousStatus = previousStatus;
        PreviousVisibility = previousVisibility;
        FormerMember = formerMember;
    }

    public long Sequence { get; private set; }

    public Guid ImageId { get; private set; }

    public DateTime ChangedAt { get; private set; }

    /// <summary>The instance that saved the change (it told its own pages already).</summary>
    public string Origin { get; private set; }

    /// <summary>The status before the change, when the change moved it (who could see the image before).</summary>
    public ImageStatus? PreviousStatus { get; private set; }

    /// <summary>The visibility before the change, when the change moved it.</summary>
    public ImageVisibility? PreviousVisibility { get; private set; }

    /// <summary>An account whose share of the image the change took away.</summary>
    public Guid? FormerMember { get; private set; }
}

public sealed class ImageChangeRecordConfiguration : IEntityTypeConfiguration<ImageChangeRecord>
{
    public void Configure(EntityTypeBuilder<ImageChangeRecord> builder)
    {
        builder.ToTable("ImageChangeFeed");
        builder.HasKey(r => r.Sequence);
        builder.Property(r => r.Sequence).ValueGeneratedOnAdd();
        builder.Property(r => r.Origin).HasMaxLength(PortalInstance.MaxIdLength).IsRequired();
        builder.Property(r => r.PreviousStatus).HasConversion<string>().HasMaxLength(32);
        builder.Property(r => r.PreviousVisibility).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(r => r.ChangedAt);
    }
}

/// <summary>
/// Adds a change-feed row to every save that changes an image, its members or its activity: the one place all changes
/// pass through, whichever service made them.
/// </summary>
public sealed class ImageChangeFeedInterceptor(PortalInstance instance, TimeProvider clock) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Record(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Record(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        context.ChangeTracker.DetectChanges();
        var changed = new Dictionary<Guid, (ImageStatus? Status, ImageVisibility? Visibility, Guid? FormerMember)>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            switch (entry.Entity)
            {
                case Image image when entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                    var status = entry.State == EntityState.Modified && entry.Property(nameof(Image.Status)).IsModified
                        ? (ImageStatus?)entry.Property(nameof(Image.Status)).OriginalValue : null;
                    var visibility = entry.State == EntityState.Modified && entry.Property(nameof(Image.Visibility)).IsModified
                        ? (ImageVisibility?)entry.Property(nameof(Image.Visibility)).OriginalValue : null;
                    var was = changed.GetValueOrDefault(image.Id);
                    changed[image.Id] = (status ?? was.Status, visibility ?? was.Visibility, was.FormerMember);
                    break;
                case ImageMember member when entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                    var before = changed.GetValueOrDefault(member.ImageId);
                    changed[member.ImageId] = (before.Status, before.Visibility, entry.State == EntityState.Deleted ? member.MemberId : before.FormerMember);
                    break;
                case ImageActivity activity when entry.State == EntityState.Added:
                    changed.TryAdd(activity.ImageId, default);
                    break;
            }
        }

        if (changed.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (imageId, (status, visibility, formerMember)) in changed)
        {
            context.Add(new ImageChangeRecord(imageId, now, instance.Id, status, visibility, formerMember));
        }
    }
}
