using System.Text;

namespace Portal.Images.Inspection;

/// <summary>The text that describes a VMDK: a stand-alone descriptor file, or the one embedded in a sparse VMDK.</summary>
internal static class VmdkDescriptor
{
    /// <summary>How much of a file qemu looks at when it guesses a format.</summary>
    private const int QemuProbeLength = 2048;

    /// <summary>
    /// A descriptor file is only text whose extent lines name other files, absolute host paths included: whoever
    /// opens it as VMDK reads those files. qemu takes a file for one when, past comments and blank lines, it
    /// starts with "version=1", 2 or 3 (block/vmdk.c, vmdk_probe); VMware's start "# Disk DescriptorFile".
    /// </summary>
    public static bool LooksLikeDescriptorFile(ReadOnlySpan<byte> head)
    {
        var probe = head[..Math.Min(head.Length, QemuProbeLength)];
        return probe.TrimStart(" \t\r\n"u8).StartsWith("# Disk DescriptorFile"u8) || QemuWouldProbeAsVmdk(probe);
    }

    /// <summary>Checks an embedded descriptor; null when it describes nothing but the file it is in.</summary>
    public static string? Check(ReadOnlySpan<byte> text, out string? createType)
    {
        createType = null;
        var extents = new List<string>(1);
        var lines = text;
        while (!lines.IsEmpty)
        {
            var end = lines.IndexOf((byte)'\n');
            var raw = end < 0 ? lines : lines[..end];
            lines = end < 0 ? [] : lines[(end + 1)..];
            if (HasControlCharacter(raw))
            {
                return Invalid("its descriptor is not text");
            }

            var line = Encoding.Latin1.GetString(raw).Trim();
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("ddb", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals > 0 && line.AsSpan(0, equals).IndexOfAny(' ', '\t') < 0)
            {
                if (line.AsSpan(0, equals).Equals("createType", StringComparison.OrdinalIgnoreCase))
                {
                    createType = line[(equals + 1)..].Trim().Trim('"');
                }

                continue;
            }

            if (IsAccessMode(FirstWord(line)))
            {
                extents.Add(line);
                continue;
            }

            return Invalid("its descriptor contains lines that are not understood");
        }

        // qemu opens whatever follows parentFileNameHint as a backing file, wherever the word appears.
        if (MentionsParent(text))
        {
            return "The VMDK image refers to a parent disk file.";
        }

        if (createType is null)
        {
            return Invalid("its descriptor does not say which kind of VMDK it is");
        }

        if (!createType.Equals("monolithicSparse", StringComparison.OrdinalIgnoreCase)
            && !createType.Equals("streamOptimized", StringComparison.OrdinalIgnoreCase))
        {
            return $"The VMDK image is of type \"{Printable(createType)}\"; only monolithicSparse and streamOptimized VMDK files are accepted.";
        }

        if (extents.Count == 0)
        {
            return Invalid("its descriptor lists no extents");
        }

        // A single-file VMDK has exactly one SPARSE extent: itself, by a bare file name.
        if (extents.Count > 1 || !IsOwnSparseExtent(extents[0]))
        {
            return "The VMDK image refers to other files through its extent list.";
        }

        return null;
    }

    public static bool MentionsParent(ReadOnlySpan<byte> text)
    {
        var at = text.IndexOf((byte)0);
        return Encoding.Latin1.GetString(at < 0 ? text : text[..at])
            .Contains("parentFileNameHint", StringComparison.OrdinalIgnoreCase);
    }

    private static bool QemuWouldProbeAsVmdk(ReadOnlySpan<byte> buffer)
    {
        var p = 0;
        while (p < buffer.Length)
        {
            if (buffer[p] == '#')
            {
                var newline = buffer[p..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    return false;
                }

                p += newline + 1;
                continue;
            }

            if (buffer[p] == ' ')
            {
                while (p < buffer.Length && buffer[p] == ' ')
                {
                    p++;
                }

                if (p < buffer.Length && buffer[p] == '\r')
                {
                    p++;
                }

                if (p == buffer.Length || buffer[p] != '\n')
                {
                    return false;
                }

                p++;
                continue;
            }

            var rest = buffer[p..];
            return rest.Length >= 10 && rest.StartsWith("version="u8) && rest[8] is ((byte)'1' or (byte)'2' or (byte)'3')
                && (rest[9] == '\n' || (rest.Length >= 11 && rest[9] == '\r' && rest[10] == '\n'));
        }

        return false;
    }

    /// <summary>RW 2097152 SPARSE "disk.vmdk"</summary>
    private static bool IsOwnSparseExtent(string line)
    {
        var words = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 4 || !long.TryParse(words[1], out var sectors) || sectors <= 0
            || !words[2].Equals("SPARSE", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var name = words[3];
        return name.Length > 2 && name[0] == '"' && name[^1] == '"' && name.IndexOf('"', 1) == name.Length - 1
            && name.AsSpan(1, name.Length - 2).IndexOfAny('/', '\\', ':') < 0
            && !name.AsSpan(1, name.Length - 2).StartsWith("..");
    }

    private static bool HasControlCharacter(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b < 0x20 && b != '\t' && b != '\r')
            {
                return true;
            }
        }

        return false;
    }

    private static string FirstWord(string line)
    {
        var space = line.AsSpan().IndexOfAny(' ', '\t');
        return space < 0 ? line : line[..space];
    }

    private static bool IsAccessMode(string word) =>
        word.Equals("RW", StringComparison.OrdinalIgnoreCase)
        || word.Equals("RDONLY", StringComparison.OrdinalIgnoreCase)
        || word.Equals("NOACCESS", StringComparison.OrdinalIgnoreCase);

    private static string Printable(string value)
    {
        var shown = value.Length > 40 ? value[..40] : value;
        return string.Create(shown.Length, shown, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is >= ' ' and <= '~' and not '"' ? source[i] : '?';
            }
        });
    }

    private static string Invalid(string why) => Detection.Invalid(DetectedFormat.Vmdk, why).UnsafeReason!;
}
