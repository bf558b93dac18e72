using Portal.Images.Catalog;
using Portal.Tests.Support;

namespace Portal.Tests.Images;

[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SparseQcow2Tests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-qcow2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(3_758_096_384L, 1)]
    [InlineData(10_737_418_240L, 7)]
    [InlineData(85_899_345_920L, 30)]
    public void DemoImageIsAValidQcow2WithTheRequestedVirtualSize(long virtualSize, int dataClusters)
    {
        var path = Path.Combine(_folder, $"demo-{dataClusters}.qcow2");
        File.WriteAllBytes(path, SparseQcow2.Create(virtualSize, "Portal demo image", dataClusters));

        QemuImg.Run("check", "-f", "qcow2", path);
        var info = QemuImg.Info(path);
        Assert.Equal(("qcow2", virtualSize), (info.Format, info.VirtualSize));
    }

    [Fact]
    public void GuestSeesTheContentAtTheStartOfTheDisk()
    {
        var path = Path.Combine(_folder, "content.qcow2");
        var raw = Path.Combine(_folder, "content.raw");
        File.WriteAllBytes(path, SparseQcow2.Create(1L << 30, "hello from the guest", 1));

        QemuImg.Run("dd", "-f", "qcow2", "-O", "raw", "bs=65536", "count=1", $"if={path}", $"of={raw}");

        Assert.StartsWith("hello from the guest", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(raw), 0, 64));
    }
}
