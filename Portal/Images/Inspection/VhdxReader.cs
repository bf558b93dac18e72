using System.Buffers.Binary;
using System.Numerics;

namespace Portal.Images.Inspection;

/// <summary>
/// VHDX (MS-VHDX): the region table at 192 KiB points to the metadata region, whose table points to the virtual
/// disk size and file parameters items. Each step is a new capture region, so the stream is still read once.
/// </summary>
internal sealed class VhdxReader
{
    private const long FirstHeaderOffset = 64 * 1024;
    private const long SecondHeaderOffset = 128 * 1024;
    private const int HeaderLength = 4 * 1024;
    private const long RegionTableOffset = 192 * 1024;
    private const int TableLength = 64 * 1024;
    private const int RegionTableHeaderLength = 16;
    private const int MetadataTableHeaderLength = 32;
    private const int EntryLength = 32;
    private const int MaxEntries = 2047;
    private const uint HasParentFlag = 0x2;
    private const int LogGuidOffset = 48;

    private static readonly Guid MetadataRegion = new("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    private static readonly Guid VirtualDiskSize = new("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    private static readonly Guid FileParameters = new("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    private static readonly Guid ParentLocator = new("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    private readonly CaptureRegion? _firstHeader;
    private readonly CaptureRegion? _secondHeader;
    private readonly CaptureRegion? _regionTable;
    private CaptureRegion? _metadataTable;
    private CaptureRegion? _diskSize;
    private CaptureRegion? _fileParameters;
    private int _regionTableNeeded = RegionTableHeaderLength;
    private int _metadataTableNeeded = MetadataTableHeaderLength;
    private bool _hasParentLocator;
    private ulong _metadataRegionEnd;
    private string? _problem;

    public VhdxReader(ImageFormatInspector inspector)
    {
        _firstHeader = inspector.AddRegion(FirstHeaderOffset, HeaderLength);
        _secondHeader = inspector.AddRegion(SecondHeaderOffset, HeaderLength);
        _regionTable = inspector.AddRegion(RegionTableOffset, TableLength);
        _problem = _regionTable is null || _firstHeader is null || _secondHeader is null ? "its region table cannot be read" : null;
    }

    /// <summary>Moves on to the next structure once the one that points to it has arrived.</summary>
    public void Advance(ImageFormatInspector inspector)
    {
        if (_problem is not null || _diskSize is not null)
        {
            return;
        }

        if (_metadataTable is null)
        {
            FindMetadataRegion(inspector);
        }

        if (_metadataTable is not null && _problem is null)
        {
            FindMetadataItems(inspector);
        }
    }

    /// <param name="endOfData">Whether the whole stream has been seen.</param>
    /// <param name="total">The stream's length; only read at the end of the data.</param>
    public Detection Evaluate(bool endOfData, long total)
    {
        const DetectedFormat format = DetectedFormat.Vhdx;
        // A differencing disk names its parent by host path; Hyper-V would open it.
        if (_hasParentLocator
            || (_fileParameters is { IsComplete: true } parameters
                && (BinaryPrimitives.ReadUInt32LittleEndian(parameters.Data[4..]) & HasParentFlag) != 0))
        {
            return Detection.Unsafe(format, "The VHDX image is a differencing disk that refers to a parent file.");
        }

        if (_problem is not null)
        {
            return Detection.Invalid(format, _problem);
        }

        if (IsMissed(_regionTable) || IsMissed(_metadataTable) || IsMissed(_diskSize) || IsMissed(_fileParameters))
        {
            return Detection.Invalid(format, "its metadata lies where it cannot be read in a single pass");
        }

        if (endOfData && total < RegionTableOffset + TableLength)
        {
            return Detection.Truncated(format, "region table");
        }

        if (endOfData && _metadataTable is not null && _metadataRegionEnd > (ulong)total)
        {
            return Detection.Truncated(format, "metadata region");
        }

        if (_firstHeader is { IsComplete: true } first && _secondHeader is { IsComplete: true } second)
        {
            var active = ActiveHeader(first.Data, second.Data);
            if (active.IsEmpty)
            {
                return Detection.Invalid(format, "neither of its two headers is valid");
            }

            // A log that is not empty holds writes that Hyper-V and qemu replay when they open the disk: the image
            // they would use is not the one checked here.
            if (active.Slice(LogGuidOffset, 16).ContainsAnyExcept((byte)0))
            {
                return Detection.Unsafe(format, "The VHDX image has a log of pending writes that would change it when opened.");
            }
        }
        else if (endOfData)
        {
            return Detection.Incomplete(format, endOfData, "headers");
        }

        if (_diskSize is not { IsComplete: true } diskSize || (endOfData && _fileParameters is not { IsComplete: true }))
        {
            return Detection.Incomplete(format, endOfData, "metadata");
        }

        var bytes = BinaryPrimitives.ReadUInt64LittleEndian(diskSize.Data);
        if (bytes == 0 || !Detection.TryGetSize(bytes, out var size))
        {
            return Detection.Invalid(format, "it declares an impossible disk size");
        }

        return new Detection(format, size, null);
    }

    private static bool IsMissed(CaptureRegion? region) => region is { IsMissed: true };

    /// <summary>
    /// MS-VHDX 2.2.2.1: of the two headers the valid one with the higher sequence number is current; one may be
    /// invalid (a write torn by a crash). Equal sequence numbers pass only for identical headers, as in qemu.
    /// </summary>
    private static ReadOnlySpan<byte> ActiveHeader(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var firstValid = IsValidHeader(first);
        var secondValid = IsValidHeader(second);
        if (!firstValid || !secondValid)
        {
            return firstValid ? first : secondValid ? second : [];
        }

        var firstSequence = BinaryPrimitives.ReadUInt64LittleEndian(first[8..]);
        var secondSequence = BinaryPrimitives.ReadUInt64LittleEndian(second[8..]);
        return firstSequence > secondSequence ? first
            : secondSequence > firstSequence ? second
            : first.SequenceEqual(second) ? first : [];
    }

    private static bool IsValidHeader(ReadOnlySpan<byte> header)
    {
        if (!header.StartsWith("head"u8))
        {
            return false;
        }

        // CRC-32C (Castagnoli) of the 4 KiB header with its own checksum field read as zero.
        var crc = uint.MaxValue;
        for (var offset = 0; offset < HeaderLength; offset += 8)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(header[offset..]);
            crc = BitOperations.Crc32C(crc, offset == 0 ? word & uint.MaxValue : word);
        }

        return ~crc == BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
    }

    private void FindMetadataRegion(ImageFormatInspector inspector)
    {
        var table = _regionTable!.Data;
        if (table.Length < _regionTableNeeded)
        {
            return;
        }

        if (_regionTableNeeded == RegionTableHeaderLength)
        {
            if (!table.StartsWith("regi"u8))
            {
                _problem = "its region table is missing";
                return;
            }

            var count = BinaryPrimitives.ReadUInt32LittleEndian(table[8..]);
            if (count > MaxEntries)
            {
                _problem = "its region table is too large";
                return;
            }

            _regionTableNeeded = RegionTableHeaderLength + ((int)count * EntryLength);
            if (table.Length < _regionTableNeeded)
            {
                return;
            }
        }

        for (var entry = RegionTableHeaderLength; entry < _regionTableNeeded; entry += EntryLength)
        {
            if (new Guid(table.Slice(entry, 16)) != MetadataRegion)
            {
                continue;
            }

            // Room for the table and any 32-bit item offset after it, so no later sum can overflow.
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(table[(entry + 16)..]);
            _metadataRegionEnd = offset + BinaryPrimitives.ReadUInt32LittleEndian(table[(entry + 24)..]);
            _metadataTable = offset <= (ulong)(long.MaxValue - (2L * uint.MaxValue))
                ? inspector.AddRegion((long)offset, TableLength)
                : null;
            _problem = _metadataTable is null ? "its metadata region lies outside the file" : null;
            return;
        }

        _problem = "it has no metadata region";
    }

    private void FindMetadataItems(ImageFormatInspector inspector)
    {
        var metadata = _metadataTable!;
        var table = metadata.Data;
        if (table.Length < _metadataTableNeeded)
        {
            return;
        }

        if (_metadataTableNeeded == MetadataTableHeaderLength)
        {
            if (!table.StartsWith("metadata"u8))
            {
                _problem = "its metadata table is missing";
                return;
            }

            var count = BinaryPrimitives.ReadUInt16LittleEndian(table[10..]);
            if (count > MaxEntries)
            {
                _problem = "its metadata table is too large";
                return;
            }

            _metadataTableNeeded = MetadataTableHeaderLength + (count * EntryLength);
            if (table.Length < _metadataTableNeeded)
            {
                return;
            }
        }

        long? diskSizeAt = null;
        long? fileParametersAt = null;
        for (var entry = MetadataTableHeaderLength; entry < _metadataTableNeeded; entry += EntryLength)
        {
            var id = new Guid(table.Slice(entry, 16));
            var itemOffset = metadata.Offset + BinaryPrimitives.ReadUInt32LittleEndian(table[(entry + 16)..]);
            var itemLength = BinaryPrimitives.ReadUInt32LittleEndian(table[(entry + 20)..]);
            if (id == ParentLocator)
            {
                _hasParentLocator = true;
            }
            else if (id == VirtualDiskSize && itemLength >= 8)
            {
                diskSizeAt = itemOffset;
            }
            else if (id == FileParameters && itemLength >= 8)
            {
                fileParametersAt = itemOffset;
            }
        }

        if (diskSizeAt is not long sizeOffset || fileParametersAt is not long parametersOffset)
        {
            _problem = "it does not record its disk size and file parameters";
            return;
        }

        _diskSize = inspector.AddRegion(sizeOffset, 8);
        _fileParameters = inspector.AddRegion(parametersOffset, 8);
        if (_diskSize is null || _fileParameters is null)
        {
            _problem = "its metadata cannot be read";
        }
    }
}
