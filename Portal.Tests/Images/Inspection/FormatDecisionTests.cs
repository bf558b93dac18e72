using Portal.Images;
using Portal.Images.Inspection;

namespace Portal.Tests.Images.Inspection;

[Trait(TestCategories.Category, TestCategories.Unit)]
public sealed class FormatDecisionTests
{
    private static readonly HashSet<(DiskFormat, DetectedFormat)> AcceptedPairs =
    [
        (DiskFormat.Raw, DetectedFormat.Raw),
        (DiskFormat.Qcow2, DetectedFormat.Qcow2),
        (DiskFormat.Vmdk, DetectedFormat.Vmdk),
        (DiskFormat.Vdi, DetectedFormat.Vdi),
        (DiskFormat.Vhd, DetectedFormat.Vhd),
        (DiskFormat.Vhdx, DetectedFormat.Vhdx),
        (DiskFormat.Iso, DetectedFormat.Iso),
        (DiskFormat.Ami, DetectedFormat.Raw),
        (DiskFormat.Ari, DetectedFormat.Raw),
        (DiskFormat.Aki, DetectedFormat.Raw),
        (DiskFormat.Ploop, DetectedFormat.Raw),
        (DiskFormat.Ploop, DetectedFormat.Parallels),
    ];

    public static TheoryData<DiskFormat, DetectedFormat> EveryPair()
    {
        var data = new TheoryData<DiskFormat, DetectedFormat>();
        foreach (var declared in Enum.GetValues<DiskFormat>())
        {
            foreach (var detected in Enum.GetValues<DetectedFormat>())
            {
                data.Add(declared, detected);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void AcceptsTheDeclaredFormatOnlyWhenTheDataIsThatFormatOrPlainDataForUninspectableFormats(DiskFormat declared, DetectedFormat detected)
    {
        var verdict = FormatDecision.Decide(declared, new InspectionResult(detected, 1L << 33, null));

        if (AcceptedPairs.Contains((declared, detected)))
        {
            Assert.Equal(new FormatVerdict(true, null, 1L << 33), verdict);
        }
        else
        {
            Assert.False(verdict.Accepted);
            Assert.Null(verdict.VirtualSize);
            Assert.StartsWith($"Declared {declared.ToApiName()}, but the data is ", verdict.RefusalReason);
        }
    }

    [Theory]
    [InlineData(DiskFormat.Raw, DetectedFormat.Qcow2, "Declared raw, but the data is a qcow2 image.")]
    [InlineData(DiskFormat.Qcow2, DetectedFormat.Raw, "Declared qcow2, but the data is a raw disk image.")]
    [InlineData(DiskFormat.Raw, DetectedFormat.Iso, "Declared raw, but the data is an ISO image.")]
    [InlineData(DiskFormat.Iso, DetectedFormat.Raw, "Declared iso, but the data is a raw disk image.")]
    [InlineData(DiskFormat.Vhd, DetectedFormat.Vhdx, "Declared vhd, but the data is a VHDX image.")]
    [InlineData(DiskFormat.Raw, DetectedFormat.Luks, "Declared raw, but the data is a LUKS-encrypted volume.")]
    [InlineData(DiskFormat.Ami, DetectedFormat.Qcow2, "Declared ami, but the data is a qcow2 image.")]
    [InlineData(DiskFormat.Aki, DetectedFormat.Vmdk, "Declared aki, but the data is a VMDK image.")]
    [InlineData(DiskFormat.Ploop, DetectedFormat.Qcow2, "Declared ploop, but the data is a qcow2 image.")]
    [InlineData(DiskFormat.Raw, DetectedFormat.Parallels, "Declared raw, but the data is a Parallels image.")]
    public void MismatchIsRefusedNamingBothFormats(DiskFormat declared, DetectedFormat detected, string reason)
    {
        Assert.Equal(new FormatVerdict(false, reason, null), FormatDecision.Decide(declared, new InspectionResult(detected, 1024, null)));
    }

    [Theory]
    [InlineData(DiskFormat.Qcow2)]
    [InlineData(DiskFormat.Raw)]
    [InlineData(DiskFormat.Ami)]
    public void UnsafeImageIsRefusedWithItsReasonWhateverWasDeclared(DiskFormat declared)
    {
        var detected = new InspectionResult(DetectedFormat.Qcow2, 1024, "The qcow2 image refers to a backing file.");

        Assert.Equal(new FormatVerdict(false, "The qcow2 image refers to a backing file.", null), FormatDecision.Decide(declared, detected));
    }

    [Fact]
    public void UnsafeRawDataIsRefusedEvenUnderAnUninspectableFormat()
    {
        var detected = new InspectionResult(DetectedFormat.Raw, 1024, "Something is wrong.");

        Assert.False(FormatDecision.Decide(DiskFormat.Aki, detected).Accepted);
    }

    [Theory]
    [InlineData(DetectedFormat.Raw, "raw")]
    [InlineData(DetectedFormat.Qcow2, "qcow2")]
    [InlineData(DetectedFormat.Vmdk, "VMDK")]
    [InlineData(DetectedFormat.Iso, "ISO")]
    [InlineData(DetectedFormat.Luks, "LUKS-encrypted volume")]
    public void ResultsCarryADisplayName(DetectedFormat format, string name)
    {
        Assert.Equal(name, new InspectionResult(format, null, null).DisplayName);
    }
}
