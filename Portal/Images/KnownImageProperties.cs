using Portal.Rules;

namespace Portal.Images;

/// <summary>
/// An image property the compute service reads: its meaning in one line and, where the compute service takes only
/// some values, those values (offered first, in the order people pick them).
/// </summary>
public sealed record KnownImageProperty(string Key, string Meaning, IReadOnlyList<string>? Values = null, bool IsFlexibleBoolean = false)
{
    public bool HasKnownValues => Values is { Count: > 0 };

    /// <summary>
    /// Whether the compute service takes this value. Nova reads its yes/no properties with oslo's bool_from_string,
    /// so "true", "1" or "on" mean yes as well.
    /// </summary>
    public bool Accepts(string value) =>
        !HasKnownValues
        || Values!.Contains(value, StringComparer.Ordinal)
        || (IsFlexibleBoolean && KnownImageProperties.FlexibleBooleans.Contains(value));
}

/// <summary>
/// The properties Nova reads from an image, as Glance's metadata definitions (etc/metadefs) and Nova's image meta
/// object (nova/objects/image_meta.py, the enums in nova/objects/fields.py) define them. The Properties card offers
/// these keys and checks their values; the Image API, like Glance, stores any value of a key that is not reserved.
/// </summary>
public static class KnownImageProperties
{
    public const string RescueDevice = "hw_rescue_device";
    public const string RescueBus = "hw_rescue_bus";

    // nova.objects.fields.DiskBus.ALL
    private static readonly string[] DiskBuses = ["virtio", "scsi", "ide", "sata", "usb", "fdc", "xen", "lxc", "uml"];
    private static readonly string[] YesNo = ["yes", "no"];
    private static readonly string[] TrueFalse = ["true", "false"];

    /// <summary>oslo_utils.strutils.bool_from_string's strings, as Nova lowercases them.</summary>
    internal static IReadOnlySet<string> FlexibleBooleans { get; } =
        new HashSet<string>(["1", "t", "true", "on", "y", "yes", "0", "f", "false", "off", "n", "no"], StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<KnownImageProperty> All { get; } =
    [
        new("hw_disk_bus", "The disk controller the instance's disks are attached to.", DiskBuses),
        new("hw_scsi_model", "The SCSI controller for disks on the scsi bus (hw_disk_bus=scsi); virtio-scsi is the para-virtualized one.",
            ["virtio-scsi", "lsilogic", "lsisas1068", "lsisas1078", "buslogic", "ibmvscsi", "vmpvscsi"]),
        new("hw_cdrom_bus", "The disk controller CD-ROM drives are attached to.", DiskBuses),
        new("hw_qemu_guest_agent", "The image runs the QEMU guest agent, so the cloud can freeze its file systems for consistent snapshots.", YesNo, IsFlexibleBoolean: true),
        new(RescueDevice, "How the image is attached when it rescues an instance: as a CD-ROM, a disk or a floppy (stable device rescue).", ["cdrom", "disk", "floppy"]),
        new(RescueBus, "The bus the image is attached to when it rescues an instance.", DiskBuses),
        new("os_admin_user", "The name of the user with admin privileges."),
        new("os_require_quiesce", "Snapshots must quiesce the file systems first; a snapshot is aborted when they cannot be.", YesNo, IsFlexibleBoolean: true),
        new("os_type", "The operating system family; the hypervisor adapts to it (for example the clock for windows).", ["linux", "windows"]),
        new("hw_firmware_type", "Boot with a legacy BIOS or with UEFI.", ["bios", "uefi"]),
        new("os_secure_boot", "Whether the instance boots with UEFI Secure Boot.", ["required", "optional", "disabled"]),
        new("hw_machine_type", "The machine type the hypervisor emulates (for example q35, pc or virt)."),
        new("hw_vif_model", "The model of the virtual network card.",
            ["virtio", "e1000", "e1000e", "igb", "rtl8139", "ne2k_pci", "pcnet", "netfront", "spapr-vlan", "lan9118", "sriov", "vmxnet", "vmxnet3"]),
        new("hw_vif_multiqueue_enabled", "One virtio network queue per vCPU, so network throughput scales with the vCPUs.", TrueFalse, IsFlexibleBoolean: true),
        new("hw_video_model", "The graphics device presented to the guest; none removes it.",
            ["virtio", "vga", "cirrus", "qxl", "vmvga", "xen", "gop", "bochs", "none"]),
        new("hw_video_ram", "The most video RAM in MB the instance may have, within the flavor's limit."),
        new("hw_pointer_model", "A USB tablet for absolute cursor movement in the graphical console.", ["usbtablet"]),
        new("hw_boot_menu", "Show the BIOS boot menu when the instance starts.", TrueFalse, IsFlexibleBoolean: true),
        new("hw_watchdog_action", "What a virtual hardware watchdog does when the guest stops responding.",
            ["disabled", "reset", "poweroff", "pause", "none"]),
        new("hw_rng_model", "The random number generator device given to the guest.", ["virtio"]),
        new("hw_tpm_model", "The model of the emulated TPM device.", ["tpm-tis", "tpm-crb"]),
        new("hw_tpm_version", "The version of the emulated TPM.", ["1.2", "2.0"]),
        new("img_config_drive", "Whether instances from this image always get a config drive.", ["optional", "mandatory"]),
        new("os_shutdown_timeout", "Seconds the guest is given to shut down cleanly before it is powered off."),
        new("os_command_line", "The kernel command line to use instead of the default."),
    ];

    private static readonly Dictionary<string, KnownImageProperty> ByKey = All.ToDictionary(p => p.Key, StringComparer.Ordinal);

    public static KnownImageProperty? Find(string? key) =>
        key is not null && ByKey.TryGetValue(key, out var known) ? known : null;

    /// <summary>
    /// What the Properties card accepts: the custom property rules every client gets (a reserved key is refused), and
    /// for a key the compute service reads with a known set of values, one of those values.
    /// </summary>
    public static Decision Decide(string? key, string? value)
    {
        var decision = ImageProperties.DecideProperty(key, value);
        if (!decision.Allowed || Find(key) is not { } known || known.Accepts(value!))
        {
            return decision;
        }

        return Decision.Refuse(RefusalCode.Invalid,
            $"'{value}' is not a value the compute service takes for {key}: choose one of {string.Join(", ", known.Values!)}.");
    }

    /// <summary>The properties that make an ISO a rescue image: attached as a CD-ROM on the SCSI bus.</summary>
    public static IReadOnlyDictionary<string, string> RescueProperties { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [RescueDevice] = "cdrom", [RescueBus] = "scsi" };

    /// <summary>The Rescue image switch is on when both rescue properties say so.</summary>
    public static bool IsRescueImage(IReadOnlyDictionary<string, string> properties) =>
        RescueProperties.All(p => properties.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <summary>The properties with the Rescue image switch turned on (both set) or off (both removed).</summary>
    public static Dictionary<string, string?> WithRescue(IReadOnlyDictionary<string, string> properties, bool rescue)
    {
        var changed = properties.Where(p => !RescueProperties.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);
        if (rescue)
        {
            foreach (var (key, value) in RescueProperties)
            {
                changed[key] = value;
            }
        }

        return changed;
    }
}
