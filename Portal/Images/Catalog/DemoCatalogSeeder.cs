using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Accounts;
using Portal.Data;
using Portal.Images.Activity;
using Portal.Images.Inspection;

namespace Portal.Images.Catalog;

/// <summary>
/// Publishes the demo public catalog and gives demo customers a few private images, each with a real
/// (small, sparse qcow2) file so that every active image has real bytes, sizes and checksums.
/// </summary>
public sealed class DemoCatalogSeeder(IImageStore store, TimeProvider clock)
{
    public const string DemoNote = "Demo catalog data: a small sparse qcow2 stands in for the real cloud image.";

    private sealed record DemoImage(string Name, string Distro, string Version, double VirtualGiB, int DataClusters, int AgeDays,
        int MinDiskGb, int MinRamMb, bool IsProtected = false, string? Description = null);

    private static readonly DemoImage[] PublicCatalog =
    [
        new("Ubuntu 26.04 LTS", "ubuntu", "26.04", 3.5, 6, 20, 10, 1024),
        new("Ubuntu 24.04 LTS", "ubuntu", "24.04", 3.5, 5, 60, 10, 1024),
        new("Ubuntu 22.04 LTS", "ubuntu", "22.04", 2.2, 4, 90, 8, 512),
        new("Debian 13", "debian", "13", 3, 4, 45, 8, 512),
        new("Debian 12", "debian", "12", 2, 3, 88, 8, 512),
        new("AlmaLinux 10", "almalinux", "10", 10, 7, 40, 10, 1024),
        new("Rocky Linux 10", "rocky", "10", 10, 7, 35, 10, 1024),
        new("CentOS Stream 10", "centos", "10", 10, 6, 30, 10, 1024),
        new("Fedora 44", "fedora", "44", 5, 6, 25, 10, 2048),
    ];

    public async Task SeedPublicCatalogAsync(PortalDbContext db, Guid platformAccountId, CancellationToken cancellationToken)
    {
        if (await db.Images.AnyAsync(i => i.Visibility == ImageVisibility.Public, cancellationToken))
        {
            return;
        }

        var operatorCaller = new Caller("seed", "seed", platformAccountId, IsOperator: true);
        foreach (var demo in PublicCatalog)
        {
            var description = $"Official {demo.Name} cloud image with cloud-init. {DemoNote}";
            await AddActiveAsync(db, operatorCaller, demo with { Description = description, IsProtected = true },
                ImageVisibility.Public, cancellationToken);
        }
    }

    public async Task SeedPrivateImagesAsync(PortalDbContext db, Caller owner, string persona, CancellationToken cancellationToken)
    {
        DemoImage[] images = persona switch
        {
            "alice" =>
            [
                new("web-frontend-golden", "ubuntu", "24.04", 20, 40, 12, 20, 2048, IsProtected: true,
                    Description: "Nginx + Node.js base for the shop front end. " + DemoNote),
                new("ci-runner", "debian", "13", 40, 24, 5, 40, 4096, Description: "Build agent with Docker and the .NET SDK. " + DemoNote),
            ],
            _ =>
            [
                new("postgres-16-base", "rocky", "10", 50, 30, 18, 50, 8192, Description: "PostgreSQL 16 tuned for 8 GB RAM. " + DemoNote),
                new("legacy-erp", "centos", "9", 80, 16, 64, 80, 8192, IsProtected: true, Description: "Frozen ERP release 4.2. " + DemoNote),
            ],
        };

        foreach (var demo in images)
        {
            await AddActiveAsync(db, owner, demo, ImageVisibility.Private, cancellationToken);
        }
    }

    private async Task AddActiveAsync(
        PortalDbContext db, Caller caller, DemoImage demo, ImageVisibility visibility, CancellationToken cancellationToken)
    {
        var created = clock.GetUtcNow().UtcDateTime.AddDays(-demo.AgeDays);
        var image = Image.Create(caller, new NewImage(
            demo.Name, DiskFormat.Qcow2, visibility, demo.Description, demo.Distro, demo.Version,
            demo.IsProtected, demo.MinDiskGb, demo.MinRamMb), created);
        image.BeginTransfer(caller, ImageStatus.Saving, created);

        var virtualSize = (long)(demo.VirtualGiB * (1L << 30));
        var bytes = SparseQcow2.Create(virtualSize, $"Portal demo image: {demo.Name}\n", demo.DataClusters);
        await using (var writer = await store.BeginWriteAsync(image.Id, cancellationToken))
        {
            await writer.WriteAsync(bytes, cancellationToken);
            await writer.CommitAsync(cancellationToken);
        }

        // The demo files are judged like any upload, so the catalog shows what the inspector really finds.
        var detected = ImageFormatInspector.Inspect(bytes, bytes.Length);
        image.CompleteTransfer(new ImageData(bytes.Length, Convert.ToHexStringLower(MD5.HashData(bytes)),
            Convert.ToHexStringLower(SHA512.HashData(bytes)), detected.VirtualSize, detected.Description),
            created.AddMinutes(3));
        db.Images.Add(image);

        // The demo images have the history an upload would have given them; the portal itself published the catalog.
        var actor = visibility == ImageVisibility.Public ? null : caller;
        db.RecordActivity(image.Id, ImageActivityKind.Created, actor, created);
        db.RecordActivity(image.Id, ImageActivityKind.UploadStarted, actor, created);
        db.RecordActivity(image.Id, ImageActivityKind.UploadFinished, actor, created.AddMinutes(3), ImageActivityLog.DataDetail(bytes.Length, detected.Description));
        await db.SaveChangesAsync(cancellationToken);
    }
}
