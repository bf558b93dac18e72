using System.Security.Cryptography;
using Portal.Accounts;
using Portal.Images;
using Portal.Tests.Support;

namespace Portal.Tests.Images.Integrity;

/// <summary>Active images with real, random data and its real SHA-512, as an upload leaves them.</summary>
internal static class IntegrityTestImages
{
    public const int Size = 200_000;

    public static async Task<Image> AddAsync(
        ImageServiceHarness harness, Caller owner, string name, DateTime now, ImageVisibility visibility = ImageVisibility.Private)
    {
        var bytes = RandomNumberGenerator.GetBytes(Size);
        var image = Image.Create(owner, new NewImage(name, DiskFormat.Raw, visibility), now);
        image.BeginTransfer(owner, ImageStatus.Saving, now);
        await using (var writer = await harness.Store.BeginWriteAsync(image.Id, CancellationToken.None))
        {
            await writer.WriteAsync(bytes, CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None);
        }

        image.CompleteTransfer(
            new ImageData(Size, Convert.ToHexStringLower(MD5.HashData(bytes)), Convert.ToHexStringLower(SHA512.HashData(bytes)), Size), now);
        await using var db = harness.Database.CreateDbContext();
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image;
    }

    /// <summary>Bit rot: one byte of the stored file changes, its length does not.</summary>
    public static void FlipByte(string path, long at)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = at;
        var value = file.ReadByte();
        file.Position = at;
        file.WriteByte((byte)(value ^ 0x01));
    }
}
