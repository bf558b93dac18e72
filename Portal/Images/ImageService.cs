using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;
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
    ILogger<ImageService> logger)
{
    /// <summary>How often a change is decided again after losing a race to another (see ChangeAsync).</summary>
    private const int MaxChangeAttempts = 3;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

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
        var images = db.Images.AsNoTracking().In(ImageListQuery.ScopeOf(query.Visibility), caller);
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
    public async Task<Image> ImportAsync(Caller caller, Guid id, string? url, CancellationToken cancellationToken = default)
    {
        if (urlPolicy.CheckUrl(url) is { IsAllowed: false, Reason: var reason })
        {
            throw new ImageRuleException(Rules.RefusalCode.Invalid, reason);
        }

        var image = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            image.Enforce(ImageAction.Upload, caller);
            imports.DecideEnqueue(image.Owner).ThrowIfRefused();
            image.BeginImport(caller, url!.Trim(), Now);
        }, cancellationToken);
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
        }, cancellationToken);
        imports.Enqueue(image.Id, image.Owner);
        return image;
    }

    /// <summary>Stops a running import; the image goes back to queued.</summary>
    public async Task CancelImportAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        var image = await GetAsync(caller, id, cancellationToken);
        image.Enforce(ImageAction.CancelImport, caller);
        if (!transfers.Cancel(id))
        {
            // Still waiting for its turn: nothing runs to stop, so put it back here.
            await ChangeAsync(caller, id, expectedVersion: null, i => i.AbandonTransfer(ImageTransferService.ImportCancelledReason, Now), cancellationToken);
            imports.Remove(id);
        }
    }

    public async Task<Image> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        return image is not null && caller.CanSee(image) ? image : throw new ImageNotFoundException(id);
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
        ChangeAsync(caller, id, expectedVersion: null, image => image.Deactivate(caller, Now), cancellationToken);

    public Task<Image> ReactivateAsync(Caller caller, Guid id, CancellationToken cancellationToken = default) =>
        ChangeAsync(caller, id, expectedVersion: null, image => image.Reactivate(caller, Now), cancellationToken);

    /// <summary>Deletes an image: the data is removed, the row stays as <c>deleted</c> for history.</summary>
    public async Task DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken = default)
    {
        Image? before = null;
        var deleted = await ChangeAsync(caller, id, expectedVersion: null, image =>
        {
            before = image.Snapshot();
            image.Delete(caller, Now);
        }, cancellationToken);

        // Data still streaming in has nothing to belong to any more, and an import still in line gives up its place.
        transfers.Cancel(id);
        imports.Remove(id);
        if (before is { Size: { } size } && before.OccupiesStorage())
        {
            quota.Released(deleted.Owner, size);
        }

        // The row is marked first: a crash in between leaves an orphan file to reclaim, never a live row without data.
        try
        {
            store.Delete(id);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "Image {ImageId} is deleted but its data could not be removed yet", id);
        }
    }

    /// <summary>
    /// Loads the image, applies <paramref name="change"/> and saves it, or refuses. A change that loses a race to someone
    /// else's is decided again on the fresh row, a bounded number of times, so that the loser hears the domain's own
    /// reason: "This image is protected…", or that the image is gone. An edit made against a version the customer saw
    /// is never re-applied: on the fresh row its version no longer matches, and it is refused as stale.
    /// </summary>
    private async Task<Image> ChangeAsync(
        Caller caller, Guid id, long? expectedVersion, Action<Image> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryChangeAsync(caller, id, expectedVersion, change, cancellationToken);
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
        Caller caller, Guid id, long? expectedVersion, Action<Image> change, CancellationToken cancellationToken)
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
            throw new ImageConflictException();
        }

        change(image);
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(ImageChange.Of(before, image));
        return image;
    }

    private static IQueryable<Image> Sorted(IQueryable<Image> images, ImageSort sort, bool descending)
    {
        var ordered = sort switch
        {
            ImageSort.Name => descending ? images.OrderByDescending(i => i.Name) : images.OrderBy(i => i.Name),
            ImageSort.Size => descending ? images.OrderByDescending(i => i.Size) : images.OrderBy(i => i.Size),
            ImageSort.Status => descending ? images.OrderByDescending(i => i.Status) : images.OrderBy(i => i.Status),
            ImageSort.DiskFormat => descending ? images.OrderByDescending(i => i.DiskFormat) : images.OrderBy(i => i.DiskFormat),
            ImageSort.OperatingSystem => descending
                ? images.OrderByDescending(i => i.OsDistro).ThenByDescending(i => i.OsVersion)
                : images.OrderBy(i => i.OsDistro).ThenBy(i => i.OsVersion),
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
                ImageSortKey.Size => By(i => i.Size),
                ImageSortKey.Id => By(i => i.Id),
                ImageSortKey.UpdatedAt => By(i => i.UpdatedAt),
                ImageSortKey.Visibility => By(i => i.Visibility),
                _ => By(i => i.CreatedAt),
            };

            IOrderedQueryable<Image> By<TKey>(System.Linq.Expressions.Expression<Func<Image, TKey>> selector) =>
                ordered is null
                    ? descending ? images.OrderByDescending(selector) : images.OrderBy(selector)
                    : descending ? ordered.ThenByDescending(selector) : ordered.ThenBy(selector);
        }

        // A unique tie-breaker keeps paging stable when many rows share a sort value.
        return ordered is null ? images.OrderBy(i => i.Id) : ordered.ThenBy(i => i.Id);
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
