using Portal.Images;
using Portal.Rules;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class KnownImagePropertiesTests
{
    [Theory]
    [InlineData("hw_disk_bus", "scsi")]
    [InlineData("hw_scsi_model", "virtio-scsi")]
    [InlineData("hw_rescue_device", "cdrom")]
    [InlineData("hw_rescue_bus", "usb")]
    [InlineData("hw_firmware_type", "uefi")]
    [InlineData("os_type", "windows")]
    [InlineData("hw_qemu_guest_agent", "yes")]
    [InlineData("hw_qemu_guest_agent", "true")]
    [InlineData("os_require_quiesce", "No")]
    [InlineData("os_admin_user", "Administrator")]
    [InlineData("hw_machine_type", "q35")]
    [InlineData("my_own_key", "anything at all")]
    public void ValuesTheComputeServiceTakesAreAccepted(string key, string value) =>
        Assert.True(KnownImageProperties.Decide(key, value).Allowed);

    [Theory]
    [InlineData("hw_disk_bus", "nvme")]
    [InlineData("hw_rescue_device", "usb")]
    [InlineData("hw_firmware_type", "UEFI")]
    [InlineData("hw_qemu_guest_agent", "maybe")]
    [InlineData("os_type", "")]
    public void AValueOutsideAKnownSetIsRefusedListingTheChoices(string key, string value)
    {
        var refusal = KnownImageProperties.Decide(key, value).Refusal;

        Assert.NotNull(refusal);
        Assert.Equal(RefusalCode.Invalid, refusal.Code);
        Assert.Contains(key, refusal.Message);
        Assert.Contains(string.Join(", ", KnownImageProperties.Find(key)!.Values!), refusal.Message);
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("os_glance_import_task")]
    [InlineData("os_portal_integrity")]
    public void ReservedKeysAreRefusedWithTheApisReason(string key)
    {
        var refusal = KnownImageProperties.Decide(key, "x").Refusal;

        Assert.NotNull(refusal);
        Assert.Equal(RefusalCode.NotAllowed, refusal.Code);
        Assert.Equal(ImageProperties.DecideProperty(key, "x").Refusal, refusal);
        Assert.Contains("reserved", refusal.Message);
    }

    [Fact]
    public void EveryKnownKeyIsACustomPropertyWithAMeaning()
    {
        Assert.All(KnownImageProperties.All, known =>
        {
            Assert.False(ImageProperties.IsReserved(known.Key), known.Key);
            Assert.False(string.IsNullOrWhiteSpace(known.Meaning));
            Assert.All(known.Values ?? [], value => Assert.True(known.Accepts(value)));
        });
        Assert.Equal(KnownImageProperties.All.Count, KnownImageProperties.All.Select(p => p.Key).Distinct().Count());
    }

    [Fact]
    public void TheRescueSwitchIsOnOnlyWhenBothPropertiesSaySo()
    {
        Assert.True(KnownImageProperties.IsRescueImage(Props(("hw_rescue_device", "cdrom"), ("hw_rescue_bus", "scsi"), ("x", "y"))));
        Assert.False(KnownImageProperties.IsRescueImage(Props(("hw_rescue_device", "cdrom"))));
        Assert.False(KnownImageProperties.IsRescueImage(Props(("hw_rescue_device", "disk"), ("hw_rescue_bus", "scsi"))));
        Assert.False(KnownImageProperties.IsRescueImage(Props()));
    }

    [Fact]
    public void TurningTheRescueSwitchOnSetsBothAndOffRemovesBothKeepingTheRest()
    {
        var on = KnownImageProperties.WithRescue(Props(("hw_rescue_device", "disk"), ("os_admin_user", "root")), rescue: true);
        Assert.Equal(
            [("hw_rescue_bus", "scsi"), ("hw_rescue_device", "cdrom"), ("os_admin_user", "root")],
            on.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value!)));

        var off = KnownImageProperties.WithRescue(on.ToDictionary(p => p.Key, p => p.Value!), rescue: false);
        Assert.Equal([("os_admin_user", "root")], off.Select(p => (p.Key, p.Value!)));
    }

    private static Dictionary<string, string> Props(params (string Key, string Value)[] properties) =>
        properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
