using System.Buffers.Binary;

namespace Portal.Images.Inspection;

/// <summary>
/// A hosted sparse VMDK ("KDMV"): a little-endian 512-byte header, a text descriptor at the sector the header names,
/// and for stream-optimized files possibly a footer that takes the header's place.
/// </summary>
internal sealed class VmdkSparseReader
{
    public const int HeaderLength = 512;

    /// <summary>Footer marker, footer and end-of-stream marker: one sector each.</summary>
    public const int FooterLength = 1536;

    private const ulong GrainDirectoryAtEnd = ulong.MaxValue;
    private const uint FooterMarker = 3;
    private const uint EndOfStreamMarker = 0;

    /// <summary>qemu reads a descriptor up to its first NUL and never more than this, whatever size the header gives.</summary>
    private const int MaxDescriptorLength = (1 << 20) - 1;

    /// <summary>Where qemu looks for parentFileNameHint whatever the header says (block/vmdk.c, vmdk_parent_open).</summary>
    private const int QemuDescriptorOffset = 0x200;
    private const int QemuDescriptorLength = 20 * 512;

    private readonly Detection? _headerVerdict;
    private readonly CaptureRegion? _descriptor;
    private readonly uint _version;
    private readonly ulong _descriptorSector;
    private readonly ulong _descriptorSectors;
    private readonly long _size;
    private readonly ulong _grainSectors;
    private readonly uint _entriesPerTable;
    private readonly ulong _grainDirectorySector;

    public VmdkSparseReader(ReadOnlySpan<byte> header, ImageFormatInspector inspector)
    {
        _version = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var capacity = BinaryPrimitives.ReadUInt64LittleEndian(header[12..]);
        _descriptorSector = BinaryPrimitives.ReadUInt64LittleEndian(header[28..]);
        _descriptorSectors = BinaryPrimitives.ReadUInt64LittleEndian(header[36..]);
        NeedsFooter = HasFooter(header);
        _grainSectors = BinaryPrimitives.ReadUInt64LittleEndian(header[20..]);
        _entriesPerTable = BinaryPrimitives.ReadUInt32LittleEndian(header[44..]);
        _grainDirectorySector = BinaryPrimitives.ReadUInt64LittleEndian(header[56..]);

        if (_version is < 1 or > 3)
        {
            _headerVerdict = Detection.Invalid(DetectedFormat.Vmdk, $"its header has the unsupported version {_version}");
        }
        else if (capacity == 0)
        {
            // With no capacity qemu reads the embedded descriptor as a descriptor file, extents and all.
            _headerVerdict = Detection.Invalid(DetectedFormat.Vmdk, "its header declares a disk of zero size");
        }
        else if (!Detection.TryGetSize(capacity, 512, out _size))
        {
            _headerVerdict = Detection.Invalid(DetectedFormat.Vmdk, "it declares an impossible disk size");
        }
        else if (_descriptorSector is 0 or > ((1 << 20) / 512) - 1)
        {
            _headerVerdict = Detection.Invalid(DetectedFormat.Vmdk, "its descriptor does not start within the first MiB");
        }
        else
        {
            _descriptor = inspector.AddRegion((long)_descriptorSector * 512, MaxDescriptorLength, terminator: 0);
        }
    }

    /// <summary>The header defers to a footer at the end of the stream.</summary>
    public bool NeedsFooter { get; }

    public static bool HasFooter(ReadOnlySpan<byte> header) =>
        header.Length >= 64 && BinaryPrimitives.ReadUInt64LittleEndian(header[56..]) == GrainDirectoryAtEnd;

    /// <param name="head">The start of the stream.</param>
    /// <param name="endOfData">Whether the whole stream has been seen.</param>
    /// <param name="tail">The last bytes of the stream; only read at the end of the data.</param>
    /// <param name="total">The stream's length; only read at the end of the data.</param>
    public Detection Evaluate(ReadOnlySpan<byte> head, bool endOfData, ReadOnlySpan<byte> tail, long total)
    {
        const DetectedFormat format = DetectedFormat.Vmdk;
        if (_headerVerdict is { } verdict)
        {
            return verdict;
        }

        if (_descriptor is null || _descriptor.IsMissed)
        {
            return Detection.Invalid(format, "its descriptor cannot be read");
        }

        if (!_descriptor.IsComplete && (!endOfData || _descriptor.Filled == 0))
        {
            return Detection.Incomplete(format, endOfData, "descriptor") with { VirtualSize = endOfData ? null : _size };
        }

        if (VmdkDescriptor.Check(_descriptor.Data, out var createType) is { } reason)
        {
            return Detection.Unsafe(format, reason);
        }

        var qemuDescriptor = head[Math.Min(head.Length, QemuDescriptorOffset)..Math.Min(head.Length, QemuDescriptorOffset + QemuDescriptorLength)];
        if (VmdkDescriptor.MentionsParent(qemuDescriptor))
        {
            return Detection.Unsafe(format, "The VMDK image refers to a parent disk file.");
        }

        var size = _size;
        var grainDirectory = _grainDirectorySector;
        if (NeedsFooter && endOfData)
        {
            if (tail.Length < FooterLength)
            {
                return Detection.Incomplete(format, endOfData: true, "footer");
            }

            if (!TryReadFooter(tail[^FooterLength..], out size))
            {
                return Detection.Invalid(format, "its footer does not match its header");
            }

            // The header only says "see the footer"; the footer's copy holds the real grain directory.
            grainDirectory = BinaryPrimitives.ReadUInt64LittleEndian(tail[^1024..][56..]);
        }

        if (endOfData && !IsGrainDirectoryWithin(grainDirectory, (ulong)size / 512, total))
        {
            return Detection.Truncated(format, "grain directory");
        }

        return new Detection(format, size, null, createType);
    }

    /// <summary>One 4-byte entry per grain table, each table covering <c>grain × entries</c> sectors.</summary>
    private bool IsGrainDirectoryWithin(ulong sector, ulong capacity, long total)
    {
        if (_grainSectors == 0 || _entriesPerTable == 0 || sector > (ulong)(long.MaxValue / 512))
        {
            return false;
        }

        var tables = CeilingDivide(CeilingDivide(capacity, _grainSectors), _entriesPerTable);
        return Detection.IsWithin(sector * 512, tables * 4, total);
    }

    private static ulong CeilingDivide(ulong value, ulong divisor) => (value / divisor) + (value % divisor == 0 ? 0UL : 1UL);

    /// <summary>qemu trusts the footer's copy of the header over the real one, so the two must agree where it matters.</summary>
    private bool TryReadFooter(ReadOnlySpan<byte> footer, out long size)
    {
        size = 0;
        var marker = footer[..512];
        var header = footer.Slice(512, 512);
        var endOfStream = footer[1024..];
        return BinaryPrimitives.ReadUInt32LittleEndian(marker[8..]) == 0
            && BinaryPrimitives.ReadUInt32LittleEndian(marker[12..]) == FooterMarker
            && header.StartsWith("KDMV"u8)
            && BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == _version
            && BinaryPrimitives.ReadUInt64LittleEndian(header[28..]) == _descriptorSector
            && BinaryPrimitives.ReadUInt64LittleEndian(header[36..]) == _descriptorSectors
            && !HasFooter(header)
            && BinaryPrimitives.ReadUInt64LittleEndian(header[12..]) is var capacity and > 0
            && Detection.TryGetSize(capacity, 512, out size)
            && BinaryPrimitives.ReadUInt64LittleEndian(endOfStream) == 0
            && BinaryPrimitives.ReadUInt32LittleEndian(endOfStream[8..]) == 0
            && BinaryPrimitives.ReadUInt32LittleEndian(endOfStream[12..]) == EndOfStreamMarker;
    }
}
