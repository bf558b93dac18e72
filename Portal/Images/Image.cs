using Portal.Accounts;
using Portal.Images.Sharing;
using Portal.Rules;

namespace Portal.Images;

/// <summary>
/// A virtual machine image, modelled on the OpenStack Image API v2. The entity guards its own rules:
/// who may see and change it, which status changes are allowed, and that active data is never rewritten.
/// </summary>
public sealed class Image
{
    public const int MaxNameLength = 255;
    public const int MaxDescriptionLength = 255;
    public const int MaxOsFieldLength = 64;
    public const string SupportedArchitecture = "x86_64";
    public const string OnlySupportedArchitecture = $"This platform only runs {SupportedArchitecture} images.";

    private Image()
    {
        Name = string.Empty;
        Architecture = SupportedArchitecture;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; }
    public string? Description { get; private set; }
    public ImageStatus Status { get; private set; }
    public DiskFormat DiskFormat { get; private set; }
    public ContainerFormat ContainerFormat { get; private set; }
    public string? OsDistro { get; private set; }
    public string? OsVersion { get; private set; }
    public string Architecture { get; private set; }
    public ImageVisibility Visibility { get; private set; }
    public bool IsProtected { get; private set; }
    public int MinDiskGb { get; private set; }
    public int MinRamMb { get; private set; }
    public long? Size { get; private set; }
    public long? VirtualSize { get; private set; }
    public string? Checksum { get; private set; }
    public string? OsHashAlgo { get; private set; }
    public string? OsHashValue { get; private set; }

    /// <summary>The account (tenant) that owns the image.</summary>
    public Guid Owner { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public DateTime? DeletedAt { get; private set; }

    /// <summary>The status a pending-delete image had before it was deleted, and gets back when it is restored.</summary>
    public ImageStatus? StatusBeforeDelete { get; private set; }

    /// <summary>Until when a pending-delete image can be restored; after that the scrubber removes its data.</summary>
    public DateTime? RestorableUntil { get; private set; }

    /// <summary>When the data was stored: from then until deletion the image occupies (and is billed for) storage.</summary>
    public DateTime? ActivatedAt { get; private set; }

    /// <summary>What the inspector found the data to be ("qcow2 (compat 1.1)"), once the data is stored.</summary>
    public string? DetectedFormat { get; private set; }

    /// <summary>The URL the data is (or was) imported from, for images created from a URL.</summary>
    public string? ImportUrl { get; private set; }

    /// <summary>
    /// The checksum the customer expects the data as sent to have ("sha256:…"), checked when the data has arrived; kept
    /// on the row because an import may start again after a restart.
    /// </summary>
    public string? ExpectedDataChecksum { get; private set; }

    /// <summary>
    /// Compressed data (gzip, xz, zstd, bzip2) is decompressed before it is inspected, hashed and stored: images created
    /// in the portal's form and web-download imports. The Image API's upload stores the bytes as sent unless asked.
    /// </summary>
    public bool DecompressData { get; private set; }

    /// <summary>Why the last transfer of data failed or was refused, in words for the customer.</summary>
    public string? StatusReason { get; private set; }

    /// <summary>Free-form labels (a set, Glance's <c>tags</c>).</summary>
    public IReadOnlyList<string> Tags { get; private set; } = [];

    /// <summary>Custom properties (Glance's additional properties), e.g. <c>hw_rescue_device</c>.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; private set; } = new Dictionary<string, string>();

    /// <summary>Whether the stored data was found whole when last checked (beside the status, which stays Glance's).</summary>
    public ImageIntegrity Integrity { get; private set; }

    /// <summary>When <see cref="Integrity"/> was last established.</summary>
    public DateTime? IntegrityCheckedAt { get; private set; }

    /// <summary>
    /// How many times the current import was started again because the portal restarted under it: once is retried
    /// at start, a second interruption puts the image back to queued for the customer to decide.
    /// </summary>
    public int ImportRestarts { get; private set; }

    /// <summary>Concurrency token: bumped on every change so that a stale edit is detected, not saved.</summary>
    public long Version { get; private set; }

    /// <summary>The accounts the image is shared with (loaded with every image: who sees it depends on them).</summary>
    public IReadOnlyList<ImageMember> Members => _members;

    private List<ImageMember> _members = [];

    public bool HasData => Status is ImageStatus.Active or ImageStatus.Deactivated or ImageStatus.PendingDelete;

    /// <summary>The one architecture this platform runs; an image without one is taken to be for it.</summary>
    public static bool IsSupportedArchitecture(string? architecture) =>
        string.Equals(architecture ?? SupportedArchitecture, SupportedArchitecture, StringComparison.Ordinal);

    public static Image Create(Caller caller, NewImage spec, DateTime now)
    {
        if (caller.DecideNewVisibility(spec.Visibility).Refusal is { } refusal)
        {
            throw new ImageRuleException(refusal);
        }

        if (!IsSupportedArchitecture(spec.Architecture))
        {
            throw new ImageRuleException(RefusalCode.Invalid, OnlySupportedArchitecture);
        }

        var tags = ImageProperties.CheckedTags(spec.Tags ?? []);
        var properties = ImageProperties.CheckedProperties(spec.Properties ?? new Dictionary<string, string?>());
        return new Image
        {
            Id = spec.Id ?? Guid.NewGuid(),
            Tags = tags,
            Properties = properties,
            Name = spec.Name.Trim(),
            Description = NullIfBlank(spec.Description),
            Status = ImageStatus.Queued,
            DiskFormat = spec.DiskFormat,
            ContainerFormat = spec.ContainerFormat,
            OsDistro = NullIfBlank(spec.OsDistro),
            OsVersion = NullIfBlank(spec.OsVersion),
            Architecture = SupportedArchitecture,
            Visibility = spec.Visibility,
            IsProtected = spec.IsProtected,
            MinDiskGb = spec.MinDiskGb,
            MinRamMb = spec.MinRamMb,
            Owner = caller.AccountId,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
    }

    /// <summary>A copy as it is now, to compare with after a change (who could see it before).</summary>
    public Image Snapshot()
    {
        var copy = (Image)MemberwiseClone();
        copy._members = _members.Select(m => m.Copy()).ToList();
        return copy;
    }

    /// <summary>
    /// A copy of the image as another instance's change found it, for who could see it before: its status and visibility
    /// then, and a member whose share was taken away then.
    /// </summary>
    internal Image AsBefore(ImageStatus status, ImageVisibility visibility, Guid? formerMember)
    {
        var copy = Snapshot();
        copy.Status = status;
        copy.Visibility = visibility;
        if (formerMember is { } member && copy._members.All(m => m.MemberId != member))
        {
            copy._members.Add(ImageMember.Former(Id, member));
        }

        return copy;
    }

    /// <summary>The most accounts one image can be shared with (Glance's default image_member_quota).</summary>
    public const int MaxMembers = 128;

    /// <summary>The membership of an account, if the image is shared with it.</summary>
    public ImageMember? MemberOf(Guid accountId) => _members.FirstOrDefault(m => m.MemberId == accountId);

    /// <summary>
    /// Shares the image with another account, pending its answer. The Image API only adds members to a shared image
    /// (Glance's 403); the Share image button makes a private image shared in the same step (<paramref name="makeShared"/>).
    /// </summary>
    public ImageMember AddMember(Caller caller, Guid accountId, DateTime now, bool makeShared = false)
    {
        this.Enforce(ImageAction.Share, caller);
        if (Visibility != ImageVisibility.Shared && !makeShared)
        {
            throw new ImageRuleException(RefusalCode.NotAllowed, ImagePolicy.OnlySharedImagesHaveMembers);
        }

        if (accountId == Owner)
        {
            throw new ImageRuleException(RefusalCode.Invalid, ImagePolicy.NotSharedWithOwner);
        }

        if (MemberOf(accountId) is not null)
        {
            throw new ImageRuleException(RefusalCode.InvalidState, ImagePolicy.AlreadySharedWith(accountId));
        }

        if (_members.Count >= MaxMembers)
        {
            throw new ImageRuleException(RefusalCode.TooLarge, $"An image can be shared with at most {MaxMembers} accounts.");
        }

        if (Visibility != ImageVisibility.Shared)
        {
            Visibility = ImageVisibility.Shared;
            Touch(now);
        }

        var member = ImageMember.Create(Id, accountId, now);
        _members.Add(member);
        return member;
    }

    /// <summary>Stops sharing the image with an account, whatever it answered. The image stays shared (as in Glance).</summary>
    public ImageMember RemoveMember(Caller caller, Guid accountId)
    {
        this.Enforce(ImageAction.RemoveMember, caller);
        var member = MemberOf(accountId) ?? throw new ImageRuleException(RefusalCode.NotFound, ImagePolicy.NotAMember(accountId));
        _members.Remove(member);
        return member;
    }

    /// <summary>The member account accepts or rejects the image (or sets it back to pending); only the member answers.</summary>
    public ImageMember SetMemberStatus(Caller caller, Guid accountId, MemberStatus status, DateTime now)
    {
        this.Enforce(ImageAction.SetMemberStatus, caller);

        // A member sees its own membership only: another account's is not there for it.
        var member = accountId == caller.AccountId ? MemberOf(accountId) : null;
        if (member is null)
        {
            throw new ImageRuleException(RefusalCode.NotFound, ImagePolicy.NotAMember(accountId));
        }

        member.SetStatus(status, now);
        return member;
    }

    public void UpdateMetadata(Caller caller, ImageMetadata metadata, DateTime now)
    {
        this.Enforce(ImageAction.Edit, caller);
        Name = metadata.Name.Trim();
        Description = NullIfBlank(metadata.Description);
        OsDistro = NullIfBlank(metadata.OsDistro);
        OsVersion = NullIfBlank(metadata.OsVersion);
        MinDiskGb = metadata.MinDiskGb;
        MinRamMb = metadata.MinRamMb;
        if (metadata.DiskFormat is { } format && format != DiskFormat)
        {
            // The format says how to read data that is already there: it is fixed once the data has arrived.
            this.Enforce(ImageAction.ChangeDiskFormat, caller);
            DiskFormat = format;
        }

        Touch(now);
    }

    public void SetProtected(Caller caller, bool isProtected, DateTime now)
    {
        this.Enforce(isProtected ? ImageAction.Protect : ImageAction.Unprotect, caller);
        if (IsProtected == isProtected)
        {
            return;
        }

        IsProtected = isProtected;
        Touch(now);
    }

    public void SetVisibility(Caller caller, ImageVisibility visibility, DateTime now)
    {
        this.Enforce(ImageAction.Edit, caller);
        if (caller.DecideVisibilityChange(visibility).Refusal is { } refusal)
        {
            throw new ImageRuleException(refusal);
        }

        if (Visibility == visibility)
        {
            return;
        }

        Visibility = visibility;
        Touch(now);
    }

    /// <summary>Replaces the tags (a set: a tag given twice is kept once).</summary>
    public void SetTags(Caller caller, IEnumerable<string> tags, DateTime now)
    {
        this.Enforce(ImageAction.Edit, caller);
        var checkedTags = ImageProperties.CheckedTags(tags);
        if (checkedTags.SequenceEqual(Tags, StringComparer.Ordinal))
        {
            return;
        }

        Tags = checkedTags;
        Touch(now);
    }

    public void AddTag(Caller caller, string tag, DateTime now) => SetTags(caller, Tags.Append(tag), now);

    /// <summary>Removes a tag; a tag the image does not have is not found (Glance answers 404).</summary>
    public void RemoveTag(Caller caller, string tag, DateTime now)
    {
        this.Enforce(ImageAction.Edit, caller);
        if (!Tags.Contains(tag, StringComparer.Ordinal))
        {
            throw new ImageRuleException(RefusalCode.NotFound, $"This image has no tag '{tag}'.");
        }

        SetTags(caller, Tags.Where(t => !string.Equals(t, tag, StringComparison.Ordinal)), now);
    }

    /// <summary>Replaces the custom properties; each key and value is checked (reserved keys are refused).</summary>
    public void SetProperties(Caller caller, IEnumerable<KeyValuePair<string, string?>> properties, DateTime now)
    {
        this.Enforce(ImageAction.Edit, caller);
        var checkedProperties = ImageProperties.CheckedProperties(properties);
        if (checkedProperties.Count == Properties.Count
            && checkedProperties.All(p => Properties.TryGetValue(p.Key, out var value) && value == p.Value))
        {
            return;
        }

        Properties = checkedProperties;
        Touch(now);
    }

    /// <summary>
    /// Deletes the image. One with data goes to pending_delete and keeps its data until <paramref name="restoreWindow"/>
    /// has passed (Recently deleted: it can be restored until then); one without data is deleted at once, and the caller
    /// removes whatever partial data there was. The row stays for history either way.
    /// </summary>
    public void Delete(Caller caller, DateTime now, TimeSpan restoreWindow)
    {
        this.Enforce(ImageAction.Delete, caller);
        if (Status is ImageStatus.Active or ImageStatus.Deactivated)
        {
            var before = Status;
            TransitionTo(ImageStatus.PendingDelete, now);
            StatusBeforeDelete = before;
            RestorableUntil = now + restoreWindow;
            return;
        }

        MarkDeleted(now);
    }

    /// <summary>Can the image still be restored at <paramref name="now"/>.</summary>
    public bool IsRestorable(DateTime now) => Status == ImageStatus.PendingDelete && RestorableUntil is { } until && now < until;

    /// <summary>How long a pending-delete image can still be restored (zero once the window has passed); null for any other.</summary>
    public TimeSpan? RestorableFor(DateTime now) =>
        Status == ImageStatus.PendingDelete && RestorableUntil is { } until ? (until > now ? until - now : TimeSpan.Zero) : null;

    /// <summary>Brings a pending-delete image back to the status it had, with its data and checksums untouched.</summary>
    public void Restore(Caller caller, DateTime now)
    {
        this.Enforce(ImageAction.Restore, caller, now);
        TransitionTo(StatusBeforeDelete ?? ImageStatus.Active, now);
        StatusBeforeDelete = null;
        RestorableUntil = null;
    }

    /// <summary>
    /// Deletes the image for good now, skipping the restore window: the customer's Delete permanently in Recently
    /// deleted, or the operator's purge of any image. The row is marked first; the caller then removes the data.
    /// </summary>
    public void DeletePermanently(Caller caller, DateTime now)
    {
        this.Enforce(ImageAction.DeletePermanently, caller);
        MarkDeleted(now);
    }

    /// <summary>The scrubber's step: a pending-delete image whose restore window has passed is deleted for good.</summary>
    public void ExpireDeletion(DateTime now)
    {
        if (Status != ImageStatus.PendingDelete || IsRestorable(now) || IsProtected)
        {
            throw new ImageRuleException(RefusalCode.InvalidState, "This image is not waiting to be removed.");
        }

        MarkDeleted(now);
    }

    private void MarkDeleted(DateTime now)
    {
        TransitionTo(ImageStatus.Deleted, now);
        StatusBeforeDelete = null;
        RestorableUntil = null;

        // From now on the data no longer occupies (nor is billed for) storage: a pending-delete image kept counting.
        DeletedAt = now;
    }

    /// <summary>Starts receiving data: queued → saving (upload) or importing (URL).</summary>
    public void BeginTransfer(Caller caller, ImageStatus transferStatus, DateTime now)
    {
        if (!transferStatus.IsReceivingData())
        {
            throw new ArgumentOutOfRangeException(nameof(transferStatus));
        }

        this.Enforce(ImageAction.Upload, caller);

        TransitionTo(transferStatus, now);
        StatusReason = null;
        ImportRestarts = 0;
    }

    /// <summary>Takes a public image out of new use without deleting it (Glance's deactivate, an operator action).</summary>
    public void Deactivate(Caller caller, DateTime now)
    {
        this.Enforce(ImageAction.Deactivate, caller);
        TransitionTo(ImageStatus.Deactivated, now);
    }

    public void Reactivate(Caller caller, DateTime now)
    {
        this.Enforce(ImageAction.Reactivate, caller);
        TransitionTo(ImageStatus.Active, now);
    }

    /// <summary>What the data that follows must be (its checksum as sent) and whether it is decompressed on its way in.</summary>
    public void ExpectData(ExpectedChecksum? checksum, bool decompress)
    {
        ExpectedDataChecksum = checksum?.ToString();
        DecompressData = decompress;
    }

    /// <summary>The customer's own say about the data to come (Image API properties): only while the image is queued.</summary>
    public void ChangeDataExpectations(Caller caller, ExpectedChecksum? checksum, bool decompress, DateTime now)
    {
        this.Enforce(ImageAction.ExpectData, caller);
        if (ExpectedDataChecksum == checksum?.ToString() && DecompressData == decompress)
        {
            return;
        }

        ExpectData(checksum, decompress);
        Touch(now);
    }

    /// <summary>Starts downloading the data from a URL: queued → importing.</summary>
    public void BeginImport(Caller caller, string url, DateTime now)
    {
        BeginTransfer(caller, ImageStatus.Importing, now);
        ImportUrl = url;
    }

    /// <summary>Downloads again from the image's own URL after an import that can be retried stopped.</summary>
    public void RetryImport(Caller caller, DateTime now)
    {
        this.Enforce(ImageAction.RetryImport, caller);
        BeginImport(caller, ImportUrl!, now);
    }

    /// <summary>The data arrived complete and verified: the image becomes active and read-only.</summary>
    public void CompleteTransfer(ImageData data, DateTime now)
    {
        if (!Status.IsReceivingData())
        {
            throw new ImageRuleException(RefusalCode.InvalidState, $"This image is {Status.ToPhrase()}, not receiving data.");
        }

        Size = data.Size;
        VirtualSize = data.VirtualSize;
        DetectedFormat = data.DetectedFormat;
        Checksum = data.Md5Hex;
        OsHashAlgo = "sha512";
        OsHashValue = data.Sha512Hex;
        StatusReason = null;
        TransitionTo(ImageStatus.Active, now);
        ActivatedAt = now;

        // The data was hashed and its size counted on its way in: it is whole as of now.
        Integrity = ImageIntegrity.Intact;
        IntegrityCheckedAt = now;
        ImportRestarts = 0;
    }

    /// <summary>
    /// An import the portal's restart interrupted is started again once; a second interruption of the same import
    /// leaves it to the customer, so that a URL that brings the portal down cannot do so at every start.
    /// </summary>
    public bool MayRestartImport => Status == ImageStatus.Importing && ImportUrl is not null && ImportRestarts < 1;

    /// <summary>Starts an import the portal's restart interrupted again from its URL (it stays importing).</summary>
    public void RestartInterruptedImport(DateTime now)
    {
        if (!MayRestartImport)
        {
            throw new ImageRuleException(RefusalCode.InvalidState, "This import was already started again once after a restart.");
        }

        ImportRestarts++;
        StatusReason = null;
        Touch(now);
    }

    /// <summary>What the stored data's length alone says (null: no data stored): missing, the wrong size, or intact as far as size goes.</summary>
    public ImageIntegrity IntegrityBySize(long? storedLength) => storedLength switch
    {
        null => ImageIntegrity.DataMissing,
        var length when length != Size => ImageIntegrity.WrongSize,
        _ => ImageIntegrity.Intact,
    };

    /// <summary>Records what a check of the stored data found; not an edit, so neither the version nor updated_at move.</summary>
    public void RecordIntegrity(ImageIntegrity integrity, DateTime now)
    {
        if (!HasData)
        {
            throw new ImageRuleException(RefusalCode.InvalidState, $"An image that is {Status.ToPhrase()} has no stored data to check.");
        }

        Integrity = integrity;
        IntegrityCheckedAt = now;
    }

    /// <summary>
    /// Data that was found missing or of the wrong size is back at the right size: the size alone cannot vouch for its
    /// content, so it is unchecked again and first in line for the re-hashing job (no verification time).
    /// </summary>
    public void DataReturned()
    {
        if (!Integrity.IsFlagged() || Integrity == ImageIntegrity.ChecksumMismatch)
        {
            throw new ImageRuleException(RefusalCode.InvalidState, "Only data that was found missing or of the wrong size can come back.");
        }

        Integrity = ImageIntegrity.Unchecked;
        IntegrityCheckedAt = null;
    }

    /// <summary>A failed or aborted transfer puts the image back to queued so that the customer can retry.</summary>
    public void AbandonTransfer(string reason, DateTime now)
    {
        if (!Status.IsReceivingData())
        {
            return;
        }

        StatusReason = reason;
        TransitionTo(ImageStatus.Queued, now);
    }

    /// <summary>A transfer that can never succeed (e.g. a URL that answers 404) kills an upload in Glance.</summary>
    public void Kill(string reason, DateTime now)
    {
        StatusReason = reason;
        TransitionTo(ImageStatus.Killed, now);
    }

    private void TransitionTo(ImageStatus next, DateTime now)
    {
        if (!ImageStatusRules.CanTransition(Status, next))
        {
            throw new ImageRuleException(RefusalCode.InvalidState, $"An image that is {Status.ToPhrase()} cannot become {next.ToPhrase()}.");
        }

        Status = next;
        Touch(now);
    }

    private void Touch(DateTime now)
    {
        UpdatedAt = now;
        Version++;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>What a new image is created from.</summary>
public sealed record NewImage(
    string Name,
    DiskFormat DiskFormat,
    ImageVisibility Visibility = ImageVisibility.Private,
    string? Description = null,
    string? OsDistro = null,
    string? OsVersion = null,
    bool IsProtected = false,
    int MinDiskGb = 0,
    int MinRamMb = 0,
    ContainerFormat ContainerFormat = ContainerFormat.Bare,
    string? Architecture = Image.SupportedArchitecture,
    Guid? Id = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyDictionary<string, string?>? Properties = null);

/// <summary>The editable descriptive fields of an image.</summary>
public sealed record ImageMetadata(
    string Name,
    string? Description,
    string? OsDistro,
    string? OsVersion,
    int MinDiskGb,
    int MinRamMb,
    DiskFormat? DiskFormat = null);

/// <summary>What is known of image data once it is stored and hashed.</summary>
public sealed record ImageData(long Size, string Md5Hex, string Sha512Hex, long? VirtualSize, string? DetectedFormat = null);
