using System.Net;
using System.Text;
using Portal.Images;
using Portal.Tests.Images.Inspection;
using Portal.Tests.Support;

namespace Portal.Tests.Http;

/// <summary>Real disk images made by qemu-img, uploaded through the HTTP endpoint and judged by the inspector.</summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
[Collection(ImageFixtureCollection.Name)]
public sealed class InspectedUploadTests(UploadPortal portal, ImageFixtures fixtures) : IClassFixture<UploadPortal>
{
    public static TheoryData<string, DiskFormat, string> GoodImages => new()
    {
        { "v2.qcow2", DiskFormat.Qcow2, "qcow2" },
        { "v3.qcow2", DiskFormat.Qcow2, "qcow2" },
        { "compressed.qcow2", DiskFormat.Qcow2, "qcow2" },
        { "sparse.vmdk", DiskFormat.Vmdk, "VMDK" },
        { "stream.vmdk", DiskFormat.Vmdk, "VMDK" },
        { "dynamic.vhd", DiskFormat.Vhd, "VHD" },
        { "disk.vhdx", DiskFormat.Vhdx, "VHDX" },
        { "disk.vdi", DiskFormat.Vdi, "VDI" },
        { "content.raw", DiskFormat.Raw, "raw" },
        { "gpt.raw", DiskFormat.Raw, "raw" },
        { "disk.iso", DiskFormat.Iso, "ISO" },
        { "content.raw", DiskFormat.Ami, "raw" },
        { "disk.hds", DiskFormat.Ploop, "Parallels" },
    };

    private async Task<(Image Image, HttpResponseMessage Response)> UploadAsync(string name, DiskFormat declared, byte[] data)
    {
        var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", $"{name}-as-{declared}", declared);
        var response = await client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, new ByteArrayContent(data)));
        return (image, response);
    }

    [Theory]
    [MemberData(nameof(GoodImages))]
    public async Task GoodImageBecomesActiveWithTheVirtualSizeQemuImgReports(string fixture, DiskFormat declared, string detected)
    {
        var (image, response) = await UploadAsync(fixture, declared, fixtures.Bytes(fixture));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await portal.ImageAsync(image.Id);
        Assert.Equal(ImageStatus.Active, stored.Status);
        Assert.Equal(QemuImg.Info(fixtures.PathOf(fixture)).VirtualSize, stored.VirtualSize);
        Assert.StartsWith(detected, stored.DetectedFormat);
    }

    public static TheoryData<string, DiskFormat, string> UnsafeImages => new()
    {
        { "backing.qcow2", DiskFormat.Qcow2, "The qcow2 image refers to a backing file." },
        { "datafile.qcow2", DiskFormat.Qcow2, "external data file" },
        { "disk.qed", DiskFormat.Qcow2, "QED" },
        { "disk.luks", DiskFormat.Raw, "Declared raw, but the data is a LUKS-encrypted volume." },
        { "v3.qcow2", DiskFormat.Raw, "Declared raw, but the data is a qcow2 image." },
        { "content.raw", DiskFormat.Qcow2, "Declared qcow2, but the data is a raw disk image." },
        { "disk.vhdx", DiskFormat.Vhd, "Declared vhd, but the data is a VHDX image." },
        { "disk.iso", DiskFormat.Aki, "Declared aki, but the data is an ISO image." },
        { "disk.hds", DiskFormat.Raw, "Declared raw, but the data is a Parallels image." },
    };

    [Theory]
    [MemberData(nameof(UnsafeImages))]
    public async Task UnsafeOrMislabelledImageIsRefusedWithItsReasonAndLeavesNothing(string fixture, DiskFormat declared, string reason)
    {
        var (image, response) = await UploadAsync(fixture, declared, fixtures.Bytes(fixture));

        await AssertRefusedAsync(image, response, reason);
    }

    [Fact]
    public async Task VmdkDescriptorFileWithAFlatExtentNamingAHostFileIsRefused()
    {
        var descriptor = Encoding.ASCII.GetBytes(
            "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\nRW 2048 FLAT \"/etc/passwd\" 0\n");

        var (image, response) = await UploadAsync("descriptor", DiskFormat.Vmdk, descriptor);

        await AssertRefusedAsync(image, response, "VMDK");
    }

    [Fact]
    public async Task SparseVmdkWhoseEmbeddedDescriptorNamesAHostFileIsRefused()
    {
        var vmdk = ImageFixtures.WithVmdkDescriptor(fixtures.Bytes("sparse.vmdk"), text => text.Replace(
            "RW 2097152 SPARSE \"sparse.vmdk\"", "RW 2097152 FLAT \"/etc/hostname\" 0"));

        var (image, response) = await UploadAsync("planted-extent", DiskFormat.Vmdk, vmdk);

        await AssertRefusedAsync(image, response, "The VMDK image refers to other files through its extent list.");
    }

    [Fact]
    public async Task VhdWhoseTrailingFooterSaysDifferencingIsRefused()
    {
        var vhd = UnsafeImageTests.VhdWithDifferencingTrailingFooter(fixtures.Bytes("dynamic.vhd"));

        var (image, response) = await UploadAsync("differencing-tail", DiskFormat.Vhd, vhd);

        await AssertRefusedAsync(image, response, "The VHD image is a differencing disk that refers to a parent file.");
    }

    [Fact]
    public async Task VhdWithoutItsTrailingFooterIsRefused()
    {
        var vhd = fixtures.Bytes("dynamic.vhd")[..^512];

        var (image, response) = await UploadAsync("no-footer", DiskFormat.Vhd, vhd);

        await AssertRefusedAsync(image, response, "its footer at the end of the file is missing");
    }

    [Theory]
    [InlineData("v3.qcow2", 0x30000 + 8, DiskFormat.Qcow2, "qcow2 L1 table")]
    [InlineData("sparse.vmdk", (150 * 512) + 64, DiskFormat.Vmdk, "VMDK grain directory")]
    [InlineData("disk.vdi", 4000, DiskFormat.Vdi, "VDI block map")]
    [InlineData("dynamic.vhd", 2048, DiskFormat.Vhd, "VHD block allocation table")]
    [InlineData("disk.vhdx", (4 << 20) - 4096, DiskFormat.Vhdx, "VHDX metadata region")]
    public async Task TruncatedImageIsRefused(string fixture, long length, DiskFormat declared, string table)
    {
        var (image, response) = await UploadAsync($"cut-{fixture}", declared, fixtures.Truncated(fixture, length));

        await AssertRefusedAsync(image, response, $"The image is truncated or corrupt: the {table} ends past the end of the file.");
    }

    [Fact]
    public async Task VhdxWithAPendingLogIsRefused()
    {
        var vhdx = UnsafeImageTests.VhdxWithLog(fixtures.Bytes("disk.vhdx"), UnsafeImageTests.VhdxSecondHeader);

        var (image, response) = await UploadAsync("vhdx-log", DiskFormat.Vhdx, vhdx);

        await AssertRefusedAsync(image, response, "The VHDX image has a log of pending writes that would change it when opened.");
    }

    [Fact]
    public async Task VhdxWithNoValidHeaderIsRefused()
    {
        var vhdx = fixtures.Bytes("disk.vhdx");
        vhdx[UnsafeImageTests.VhdxFirstHeader + 100] ^= 0xFF;
        vhdx[UnsafeImageTests.VhdxSecondHeader + 100] ^= 0xFF;

        var (image, response) = await UploadAsync("vhdx-no-header", DiskFormat.Vhdx, vhdx);

        await AssertRefusedAsync(image, response, "neither of its two headers is valid");
    }

    [Fact]
    public async Task UnsafeHeaderIsRefusedBeforeTheRestOfALargeUploadArrives()
    {
        var header = fixtures.Bytes("backing.qcow2");
        var client = await portal.SignedInHttpClientAsync("alice@demo.local");
        var (image, token) = await portal.NewQueuedImageAsync("alice@demo.local", "early-refusal", DiskFormat.Qcow2);
        var hold = new TaskCompletionSource();
        using var content = new PrefixedContent(header, 40L << 20, hold);

        var upload = client.SendAsync(KestrelPortal.UploadRequest(image.Id, token, content));
        await content.PrefixSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The server decides from the header alone, while the client still holds the rest back.
        var stored = await portal.WaitForAsync(image.Id, i => i.StatusReason is not null);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Equal("The qcow2 image refers to a backing file.", stored.StatusReason);
        hold.SetResult();
        try
        {
            using var response = await upload;
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection on a client still sending.
        }
    }

    private async Task AssertRefusedAsync(Image image, HttpResponseMessage response, string reason)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }

        var stored = await portal.ImageAsync(image.Id);
        Assert.Equal(ImageStatus.Queued, stored.Status);
        Assert.Contains(reason, stored.StatusReason);
        Assert.Null(stored.Size);
        Assert.False(File.Exists(Path.Combine(portal.ImagesFolder, image.Id.ToString())));
        Assert.Empty(await portal.IncomingFilesSettledAsync());
    }

    /// <summary>Sends a header, then waits to be let go before sending zeros up to the full length.</summary>
    private sealed class PrefixedContent(byte[] prefix, long length, TaskCompletionSource hold) : HttpContent
    {
        public TaskCompletionSource PrefixSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            // More than the server's first buffers, so that the headers reach the inspector while the rest is held back.
            await stream.WriteAsync(prefix);
            var zeros = new byte[5 << 20];
            await stream.WriteAsync(zeros.AsMemory(0, zeros.Length - prefix.Length));
            await stream.FlushAsync();
            PrefixSent.TrySetResult();
            await hold.Task;
            for (long sent = zeros.Length; sent < length; sent += zeros.Length)
            {
                await stream.WriteAsync(zeros.AsMemory(0, (int)Math.Min(zeros.Length, length - sent)));
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }
}
