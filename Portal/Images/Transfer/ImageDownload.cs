using System.Text;

namespace Portal.Images.Transfer;

/// <summary>An image's data on its way out, and the file name a browser saves it under.</summary>
public sealed record ImageDownload(Image Image, Stream Data)
{
    private const int MaxNameLength = 100;

    /// <summary>
    /// The image's name reduced to letters, digits, dots, dashes and underscores, with the disk format as extension
    /// ("Ubuntu 24.04 (dev)" → <c>Ubuntu-24.04-dev.qcow2</c>): a name is the customer's free text, and a file name
    /// must not carry path separators, quotes or control characters into a header or onto someone's disk.
    /// </summary>
    public string FileName
    {
        get
        {
            var name = new StringBuilder();
            foreach (var c in Image.Name)
            {
                var safe = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-';
                if (safe != '-' || (name.Length > 0 && name[^1] != '-'))
                {
                    name.Append(safe);
                }
            }

            var stem = name.ToString().Trim('.', '-');
            stem = stem.Length == 0 ? Image.Id.ToString("D") : stem[..Math.Min(stem.Length, MaxNameLength)].TrimEnd('.', '-');
            var extension = "." + Image.DiskFormat.ToApiName();
            return stem.EndsWith(extension, StringComparison.OrdinalIgnoreCase) ? stem : stem + extension;
        }
    }
}
