using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Configuration;
using Portal.Accounts;
using Portal.Data;
using Portal.Images.Activity;
using Portal.Images.Import;
using Portal.Images.Transfer;
using Portal.Images.Usage;

namespace Portal.Images;

/// <summary>
/// The image domain service: every way into the images (pages, upload endpoint, URL importer, a future API)
/// goes through here, so every rule is enforced the same way for all of them.
/// </summary>
public sealed class ImageService(
    IDbContextFactory<PortalDbContext> dbFactory,
    IImageStore store,
    TimeProvider clock,
    IValidator<UpdateImageRequest> updateValidator,
    IValidator<CreateImageRequest> createValidator,
    ImageEvents events,
    UrlImportQueue imports,
    ActiveTransfers transfers,
    StorageQuota quota,
    ImportUrlPolicy urlPolicy,
    IOptions<PortalOptions> options,
    ILogger<ImageService> logger)
{
    /// <summary>
    /// How often a change is decided again after losing a race to another (see ChangeAsync); the start of an upload
    /// follows the same bound.
    /// </summary>
    internal const int MaxChangeAttempts = 3;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>How long a deleted image with data can be restored (Portal:Images:RestoreWindowHours).</summary>
    public TimeSpan RestoreWindow => options.Value.Images.RestoreWindow;

    public async Task<ImagePage> ListAsync(Caller caller, ImageQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var images = db.Images.AsNoTracking().In(ImageAccess.Of(query.Scope), caller);

        if (!string.IsNullOrWhiteSpace(query.NameContains))
        {
            var pattern = "%" + EscapeLike(query.NameContains.Trim()) + "%";
            images = images.Where(i => EF.Functions.Like(i.Name, pattern, "\\"));
        }

        if (query.Status is { } status)
        {
            images = images.Where(i => i.Status == status);
        }

        if (query.DiskFormat is { } format)
        {
            images = images.Where(i => i.DiskFormat == format);
        }

        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim();
            images = images.Where(i => i.Tags.Contains(tag));
        }

        var total = await images.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, ImageQuery.MaxPageSize);
        var items = await Sorted(images, query.SortBy, query.Descending)
            .Skip(Math.Max(query.Page, 0) * pageSize)
            .Take(pageSize)
            .ToListAsync(cancellationToken);
        return new ImagePage(items, total);
    }

    /// <summary>
    /// The Image API's list: filtered and sorted by the database. The marker's place in the sorted list is found by
    /// reading only the ids before it, so paging deep into a very long list costs a scan of ids, not of images.
    /// </summary>
    public async Task<ImageListPage> ListAsync(Caller caller, ImageListQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var images = db.Images.AsNoTracking().In(query.Scope, caller);
        if (query.Name is { } name)
        {
            images = images.Where(i => i.Name == name);
        }

        if (query.Status is { } status)
        {
            images = images.Where(i => i.Status == status);
        }

        if (query.DiskFormat is { } diskFormat)
        {
            images = images.Where(i => i.DiskFormat == diskFormat);
        }

        if (query.ContainerFormat is { } containerFormat)
        {
            images = images.Where(i => i.ContainerFormat == containerFormat);
        }

        if (query.Owner is { } owner)
        {
            images = images.Where(i => i.Owner == owner);
        }

        if (query.IsProtected is { } isProtected)
        {
            images = images.Where(i => i.IsProtected == isProtected);
        }

        foreach (var tag in query.Tags)
        {
            images = images.Where(i => i.Tags.Contains(tag));
        }

        var sorted = Sorted(images, query.Sort);
        var skip = 0;
        if (query.Marker is { } marker)
        {
            var found = false;
            await foreach (var id in sorted.Select(i => i.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                skip++;
                if (id == marker)
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                throw new ImageRuleException(Rules.RefusalCode.Invalid, ImageListQuery.MarkerNotFound(marker));
            }
        }

        var limit = Math.Clamp(query.Limit, 0, ImageListQuery.MaxLimit);
        var items = await sorted.Skip(skip).Take(limit + 1).ToListAsync(cancellationToken);
        var more = items.Count > limit;
        if (more)
        {
            items.RemoveAt(limit);
        }

        return new ImageListPage(items, more && items.Count > 0 ? items[^1].Id : null);
    }

    /// <summary>The recently deleted images the caller may restore, the first to be removed first.</summary>
    public async Task<IReadOnlyList<Image>> ListRecentlyDeletedAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Images.AsNoTracking().In(ImageAccess.RecentlyDeleted, caller)
            .OrderBy(i => i.RestorableUntil).ThenBy(i => i.Id)
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Creates a queued image whose data follows: an upload to the upload endpoint, or (Source = URL) a download
    /// that starts at once — the image is importing when this returns.
    /// </summary>
    public async Task<Image> CreateAsync(Caller caller, CreateImageRequest request, CancellationToken cancellationToken = default)
    {
        // Publishing is a matter of who asks (403 over the API), not of a mistyped field.
        caller.DecideNewVisibility(request.Visibility).ThrowIfRefused();
        var validation = await createValidator.ValidateAsync(CreateImageRequestValidator.ContextFor(request, caller), cancellationToken);
        if (!validation.IsValid)
        {
            throw new ImageValidationException(validation.Errors);
        }

        var image = Image.Create(caller, request.ToNewImage(), Now);

        // The form's file or URL is decompressed when compressed; the Image API's image waits for its own upload's say.
        image.ExpectData(ExpectedChecksum.Parse(request.ExpectedChecksum, out _), decompress: request.Source != ImageSource.Later || request.Decompress);
        if (request.Source == ImageSource.Url)
        {
            imports.DecideEnqueue(image.Owner).ThrowIfRefused();
            image.BeginImport(caller, request.ImageUrl!.Trim(), Now);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (request.Id is { } id && await db.Images.AnyAsync(i => i.Id == id, cancellationToken))
        {
            throw new ImageRuleException(Rules.RefusalCode.InvalidState, $"An image with the id {id} already exists.");
        }

        db.Images.Add(image);
        db.RecordActivity(image.Id, ImageActivityKind.Created, caller, Now);
        if (image.ImportUrl is { } url)
        {
            db.RecordActivity(image.Id, ImageActivityKind.ImportStarted, caller, Now, url);
        }

        await db.SaveChangesAsync(cancellationToken);
        events.Publish(ImageChange.Of(image));
        logger.LogInformation("Image {ImageId} created by {User} from {Source}", image.Id, caller.Email, request.Source);
        if (request.Source == ImageSource.Url)
        {
            imports.Enqueue(image.Id, image.Owner);
        }

        return image;
    }

    /// <summary>
    /// Starts downloading the data of a queued image from a URL (the Image API's <c>web-download</c> import): the same
    /// URL rule, queue and downloader as an image created from a URL.
    /// </summary>
    /// <param name="expectedChecksum">The checksum the file as downloaded must have (md5, sha1, sha256 or sha512 hex), when given.</param>
    public async Task<Image> ImportAsync(
        Caller caller, Guid id, string? url, CancellationToken cancellationToken = default, string? expectedChecksum = null)
    {
        if (urlPolicy.CheckUrl(url) is { IsAllowed: false, Reason: var reason })
        {
            throw new ImageRuleException(Rules.RefusalCode.Invalid, reason);
        }

        var checksum = ExpectedChecksum.Parse(expectedChecksum, out var checksumError);
        if (checksumError is not null)
        {
            throw new ImageRuleException(Rules.RefusalCode.Invalid, checksumError);
        }

        var image = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            image.Enforce(ImageAction.Upload, caller);
            imports.DecideEnqueue(image.Owner).ThrowIfRefused();
            image.BeginImport(caller, url!.Trim(), Now);

            // web-download decompresses by the same rule as the form; the method's checksum wins over the image's own.
            image.ExpectData(checksum ?? ExpectedChecksum.FromStored(image.ExpectedDataChecksum), decompress: true);
        }, cancellationToken, ImageActivityKind.ImportStarted);
        imports.Enqueue(image.Id, image.Owner);
        return image;
    }

    /// <summary>
    /// Applies several edits at once (one Image API PATCH): every change is checked by the entity and all are saved
    /// together, or none when one is refused or the image changed since <paramref name="expectedVersion"/>.
    /// </summary>
    public async Task<Image> EditAsync(Caller caller, Guid id, ImageEdit edit, long expectedVersion, CancellationToken cancellationToken = default)
    {
        if (edit.Metadata is { } metadata)
        {
            var validation = await updateValidator.ValidateAsync(metadata, cancellationToken);
            if (!validation.IsValid)
            {
                throw new ImageValidationException(validation.Errors);
            }
        }

        return await ChangeAsync(caller, id, expectedVersion, image =>
        {
            image.Enforce(ImageAction.Edit, caller);
            if (edit.Metadata is { } changed && !changed.Equivalent(UpdateImageRequest.From(image)))
            {
                image.UpdateMetadata(caller, changed.ToMetadata(), Now);
            }

            if (edit.Visibility is { } visibility)
            {
                image.SetVisibility(caller, visibility, Now);
            }

            if (edit.Tags is { } tags)
            {
                image.SetTags(caller, tags, Now);
            }

            if (edit.Properties is { } properties)
            {
                image.SetProperties(caller, properties, Now);
            }

            if (edit.IsProtected is { } isProtected)
            {
                image.SetProtected(caller, isProtected, Now);
            }

            if (edit.Data is { } data)
            {
                image.ChangeDataExpectations(caller, data.Checksum, data.Decompress, Now);
            }
        }, cancellationToken);
    }

    public Task<Image> AddTagAsync(Caller caller, Guid id, string tag, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.AddTag(caller, tag, Now), cancellationToken);

    public Task<Image> RemoveTagAsync(Caller caller, Guid id, string tag, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.RemoveTag(caller, tag, Now), cancellationToken);

    /// <summary>Imports again from the image's URL after an import that can be retried stopped.</summary>
    public async Task<Image> RetryImportAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        var image = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            imports.DecideEnqueue(image.Owner).ThrowIfRefused();
            image.RetryImport(caller, Now);
        }, cancellationToken, ImageActivityKind.ImportStarted);
        imports.Enqueue(image.Id, image.Owner);
        return image;
    }

    /// <summary>Stops a running import; the image goes back to queued.</summary>
    public async Task CancelImportAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        var image = await GetAsync(caller, id, cancellationToken);
        image.Enforce(ImageAction.CancelImport, caller);
        if (!transfers.Cancel(id, caller))
        {
            // Still waiting for its turn: nothing runs to stop, so put it back here.
            await ChangeAsync(caller, id, expectedVersion: null, i => i.AbandonTransfer(ImageTransferService.ImportCancelledReason, Now),
                cancellationToken, ImageActivityKind.ImportCancelled);
            imports.Remove(id);
        }
    }

    public async Task<Image> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        return image is not null && caller.CanSee(image) ? image : throw new ImageNotFoundException(id);
    }

    /// <summary>
    /// The image's activity, newest first: at most <paramref name="limit"/> entries older than <paramref name="olderThan"/>
    /// (the last entry of the previous page), for whoever <see cref="ImagePolicy.DecideActivity"/> allows.
    /// </summary>
    public async Task<ImageActivityPage> ActivityAsync(
        Caller caller, Guid id, int limit = ImageActivityPage.DefaultLimit, ImageActivity? olderThan = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (image is null || !caller.CanSee(image))
        {
            throw new ImageNotFoundException(id);
        }

        image.DecideActivity(caller).ThrowIfRefused();
        var entries = db.ImageActivities.AsNoTracking().Where(a => a.ImageId == id);
        if (olderThan is { At: var at, Id: var lastId })
        {
            entries = entries.Where(a => a.At < at || (a.At == at && a.Id < lastId));
        }

        limit = Math.Clamp(limit, 1, ImageActivityPage.MaxLimit);
        var items = await entries.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var more = items.Count > limit;
        if (more)
        {
            items.RemoveAt(limit);
        }

        return new ImageActivityPage(items, more);
    }

    /// <summary>Edits the descriptive fields; refused when the image changed since <paramref name="expectedVersion"/>.</summary>
    public async Task<Image> UpdateAsync(
        Caller caller, Guid id, UpdateImageRequest request, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var validation = await updateValidator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            throw new ImageValidationException(validation.Errors);
        }

        return await ChangeAsync(caller, id, expectedVersion,
            image => image.UpdateMetadata(caller, request.ToMetadata(), Now), cancellationToken);
    }

    public Task<Image> SetProtectedAsync(Caller caller, Guid id, bool isProtected, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.SetProtected(caller, isProtected, Now), cancellationToken);

    /// <summary>Takes a public image out of new use without deleting it; operator only.</summary>
    public Task<Image> DeactivateAsync(Caller caller, Guid id, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.Deactivate(caller, Now), cancellationToken, ImageActivityKind.Deactivated);

    public Task<Image> ReactivateAsync(Caller caller, Guid id, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.Reactivate(caller, Now), cancellationToken, ImageActivityKind.Reactivated);

    /// <summary>
    /// Deletes an image. One with data goes to Recently deleted (pending delete) and keeps its data, restorable for
    /// <see cref="RestoreWindow"/>; one without data is deleted at once and any partial data removed. The row stays as
    /// history either way. Returns the image as it is now (pending delete or deleted).
    /// </summary>
    public async Task<Image> DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        Image? before = null;
        var deleted = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            before = image.Snapshot();
            image.Delete(caller, Now, RestoreWindow);
        }, cancellationToken, ImageActivityKind.Deleted);

        // Data still streaming in has nothing to belong to any more, and an import still in line gives up its place.
        transfers.Cancel(id);
        imports.Remove(id);
        if (deleted.Status == ImageStatus.Deleted)
        {
            await RemoveDataAsync(before!, deleted);
        }
        else
        {
            logger.LogInformation("Image {ImageId} deleted by {User}; restorable until {RestorableUntil:u}", id, caller.Email, deleted.RestorableUntil);
        }

        return deleted;
    }

    /// <summary>Brings a pending-delete image back to the status it had, with its data, within the restore window.</summary>
    public async Task<Image> RestoreAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        var restored = await ChangeAsync(caller, id, expectedVersion: null, image => image.Restore(caller, Now), cancellationToken, ImageActivityKind.Restored);
        logger.LogInformation("Image {ImageId} restored by {User}", id, caller.Email);
        return restored;
    }

    /// <summary>
    /// Deletes an image for good now: the customer's Delete permanently from Recently deleted, or the operator's purge of
    /// any unprotected image. Its data is removed and its quota freed at once.
    /// </summary>
    public async Task<Image> DeletePermanentlyAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        Image? before = null;
        var deleted = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            before = image.Snapshot();
            image.DeletePermanently(caller, Now);
        }, cancellationToken, ImageActivityKind.DeletedPermanently);

        transfers.Cancel(id);
        imports.Remove(id);
        await RemoveDataAsync(before!, deleted);
        logger.LogInformation("Image {ImageId} deleted permanently by {User}", id, caller.Email);
        return deleted;
    }

    /// <summary>
    /// The scrubber's round: every pending-delete image whose restore window has passed is marked deleted, then its data
    /// is removed. Each is a conditional update on the image's version, so a restore that wins the race keeps its image.
    /// Returns how many images were removed.
    /// </summary>
    public async Task<int> ScrubExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        List<Guid> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            due = await db.Images.AsNoTracking()
                .Where(i => i.Status == ImageStatus.PendingDelete && i.RestorableUntil <= now)
                .OrderBy(i => i.RestorableUntil).ThenBy(i => i.Id)
                .Select(i => i.Id)
                .ToListAsync(cancellationToken);
        }

        var removed = 0;
        foreach (var id in due)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var image = await db.Images.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
            if (image is null || image.Status != ImageStatus.PendingDelete || image.IsRestorable(now))
            {
                continue;
            }

            var before = image.Snapshot();
            image.ExpireDeletion(now);
            db.RecordActivity(image.Id, ImageActivityKind.Scrubbed, actor: null, now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Restored (or deleted permanently) since it was read: whoever saved first decided.
                continue;
            }

            events.Publish(ImageChange.Of(before, image));
            await RemoveDataAsync(before, image);
            removed++;
        }

        if (removed > 0)
        {
            logger.LogInformation("Recently deleted: {Count} images past their restore window removed", removed);
        }

        return removed;
    }

    /// <summary>
    /// After the row was marked deleted: frees the quota the data held and removes it from the store. The row is marked
    /// first, so a crash in between leaves an orphan file to reclaim, never a live row without data.
    /// </summary>
    private async Task RemoveDataAsync(Image before, Image deleted)
    {
        if (before is { Size: { } size } && before.OccupiesStorage())
        {
            quota.Released(deleted.Owner, size);
        }

        try
        {
            // The row already says deleted: the data goes whether or not the caller is still waiting.
            await store.DeleteAsync(deleted.Id, CancellationToken.None);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Image {ImageId} is deleted but its data could not be removed yet", deleted.Id);
        }
    }

    /// <summary>
    /// Loads the image, applies <paramref name="change"/> and saves it with its activity (what the change did to the
    /// protection and the descriptive fields, and <paramref name="happened"/> when the change is one named action), or
    /// refuses. A change that loses a race to someone else's is decided again on the fresh row, a bounded number of
    /// times, so that the loser hears the domain's own reason: "This image is protected…", or that the image is gone.
    /// An edit made against a version the customer saw is never re-applied: on the fresh row its version no longer
    /// matches, and it is refused as stale. A losing attempt's activity entries go with its context, never saved.
    /// </summary>
    internal async Task<Image> ChangeAsync(
        Caller caller, Guid id, long? expectedVersion, Action<Image> change, CancellationToken cancellationToken,
        ImageActivityKind? happened = null, Func<Image, string?>? detail = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryChangeAsync(caller, id, expectedVersion, change, happened, detail, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxChangeAttempts)
            {
                // Someone else's change was saved first; decide again on the row as it is now.
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ImageConflictException();
            }
        }
    }

    private async Task<Image> TryChangeAsync(
        Caller caller, Guid id, long? expectedVersion, Action<Image> change, ImageActivityKind? happened, Func<Image, string?>? detail,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (image is null || !caller.CanSee(image))
        {
            throw new ImageNotFoundException(id);
        }

        var before = image.Snapshot();
        if (expectedVersion is { } version && image.Version != version)
        {
            // Whatever changed meanwhile may have made the change impossible (the image was deleted): that reason says
            // more than "reload and try again". Applying it to this copy saves nothing; its context is thrown away.
            change(image);
            throw new ImageConflictException();
        }

        change(image);
        if (happened is { } kind)
        {
            db.RecordActivity(image.Id, kind, caller, Now, detail is null ? ImageActivityLog.DetailOf(kind, image) : detail(image));
        }

        db.RecordEdits(before, image, caller, Now);
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(ImageChange.Of(before, image));
        return image;
    }

    // SQLite sorts NULL before every value and PostgreSQL after: a nullable key is preceded by "has a value"
    // (false before true on both), which gives SQLite's order on either database.
    private static IQueryable<Image> Sorted(IQueryable<Image> images, ImageSort sort, bool descending)
    {
        var ordered = sort switch
        {
            ImageSort.Name => descending ? images.OrderByDescending(i => i.Name) : images.OrderBy(i => i.Name),
            ImageSort.Size => descending
                ? images.OrderByDescending(i => i.Size != null).ThenByDescending(i => i.Size)
                : images.OrderBy(i => i.Size != null).ThenBy(i => i.Size),
            ImageSort.Status => descending ? images.OrderByDescending(i => i.Status) : images.OrderBy(i => i.Status),
            ImageSort.DiskFormat => descending ? images.OrderByDescending(i => i.DiskFormat) : images.OrderBy(i => i.DiskFormat),
            ImageSort.OperatingSystem => descending
                ? images.OrderByDescending(i => i.OsDistro != null).ThenByDescending(i => i.OsDistro)
                    .ThenByDescending(i => i.OsVersion != null).ThenByDescending(i => i.OsVersion)
                : images.OrderBy(i => i.OsDistro != null).ThenBy(i => i.OsDistro)
                    .ThenBy(i => i.OsVersion != null).ThenBy(i => i.OsVersion),
            _ => descending ? images.OrderByDescending(i => i.CreatedAt) : images.OrderBy(i => i.CreatedAt),
        };

        // A unique tie-breaker keeps paging stable when many rows share a sort value.
        return ordered.ThenBy(i => i.Id);
    }

    private static IQueryable<Image> Sorted(IQueryable<Image> images, IReadOnlyList<ImageSortOrder> sort)
    {
        IOrderedQueryable<Image>? ordered = null;
        foreach (var (key, descending) in sort)
        {
            ordered = key switch
            {
                ImageSortKey.Name => By(i => i.Name),
                ImageSortKey.Status => By(i => i.Status),
                ImageSortKey.ContainerFormat => By(i => i.ContainerFormat),
                ImageSortKey.DiskFormat => By(i => i.DiskFormat),
                ImageSortKey.Size => Then(By(i => i.Size != null), i => i.Size),
                ImageSortKey.Id => By(i => i.Id),
                ImageSortKey.UpdatedAt => By(i => i.UpdatedAt),
                ImageSortKey.Visibility => By(i => i.Visibility),
                _ => By(i => i.CreatedAt),
            };

            IOrderedQueryable<Image> By<TKey>(System.Linq.Expressions.Expression<Func<Image, TKey>> selector) =>
                ordered is null
                    ? descending ? images.OrderByDescending(selector) : images.OrderBy(selector)
                    : descending ? ordered.ThenByDescending(selector) : ordered.ThenBy(selector);

            IOrderedQueryable<Image> Then<TKey>(IOrderedQueryable<Image> first, System.Linq.Expressions.Expression<Func<Image, TKey>> selector) =>
                descending ? first.ThenByDescending(selector) : first.ThenBy(selector);
        }

        // A unique tie-breaker keeps paging stable when many rows share a sort value.
        return ordered is null ? images.OrderBy(i => i.Id) : ordered.ThenBy(i => i.Id);
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
