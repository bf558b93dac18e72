namespace Portal.Images.Inspection;

/// <summary>
/// Classifies a disk image from its bytes in the single pass that uploads them, in the manner of OpenStack's
/// format inspector: it keeps only capture regions at known offsets, and follows pointers in them by adding regions
/// further on. It never needs the stream twice, never holds more than <see cref="MaxCapturedBytes"/>, and past the
/// interesting regions each <see cref="Feed"/> costs the same whatever the chunk's size.
/// </summary>
/// <remarks>
/// Untrusted images are the point: a qcow2 backing file or data file, a VMDK extent or a VHD/VHDX parent names a
/// host file that a hypervisor would read (CVE-2024-32498), and a file declared raw may be any of these in disguise.
/// </remarks>
public sealed class ImageFormatInspector
{
    /// <summary>The most bytes of one stream ever held: the first 64 KiB, a VMDK descriptor (at most 1 MiB) or the VHDX headers and tables, and a VMDK or VHD footer.</summary>
    public const int MaxCapturedBytes = 2 * 1024 * 1024;

    /// <summary>Every fixed-offset header, and ISO's volume descriptors from 32 KiB on.</summary>
    private const int HeadLength = 64 * 1024;

    /// <summary>A structure found in a chunk can point to another in the same chunk; VHDX goes three deep.</summary>
    private const int MaxRounds = 8;

    private readonly List<CaptureRegion> _regions = [];
    private readonly List<CaptureRegion> _pending = [];
    private readonly CaptureRegion _head = new(0, HeadLength);
    private readonly TailBuffer _tail = new(VmdkSparseReader.FooterLength);
    private bool _keepTail = true;
    private long _reserved = HeadLength + VmdkSparseReader.FooterLength;
    private VmdkSparseReader? _vmdk;
    private VhdxReader? _vhdx;
    private CaptureRegion? _vhdDynamicHeader;
    private bool _vhdDynamicHeaderAsked;
    private InspectionResult? _final;

    public ImageFormatInspector()
    {
        _regions.Add(_head);
        _pending.Add(_head);
    }

    public long BytesSeen { get; private set; }

    /// <summary>
    /// Bytes copied out of the chunks fed so far: the inspector's work on the stream. Never more than
    /// <see cref="MaxCapturedBytes"/> plus, while a stream-optimized VMDK or a VHD keeps its tail, the tail's length per chunk.
    /// </summary>
    internal long BytesCopied { get; private set; }

    /// <summary>Bytes of the stream held right now; never more than <see cref="MaxCapturedBytes"/>.</summary>
    public int CapturedBytes => _regions.Sum(static region => region.Filled) + _tail.Count;

    /// <summary>Best verdict from a bounded slice of a file, such as the first MiB a browser reads before uploading.</summary>
    /// <param name="prefix">The first bytes of the file.</param>
    /// <param name="totalLength">The file's full length when known; if the prefix is the whole file the verdict is final.</param>
    /// <remarks>A virtual size stored beyond the prefix (VHDX keeps it several MiB in) comes back null.</remarks>
    public static InspectionResult Inspect(ReadOnlySpan<byte> prefix, long? totalLength = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength ?? 0, nameof(totalLength));
        var inspector = new ImageFormatInspector();
        if (totalLength is long total && total <= prefix.Length)
        {
            inspector.Feed(prefix[..(int)total]);
            return inspector.Complete();
        }

        inspector.Feed(prefix);
        return inspector.Evaluate(endOfData: false, totalLength);
    }

    /// <summary>Takes the next chunk of the stream, of any size.</summary>
    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (_final is not null)
        {
            throw new InvalidOperationException("The inspection is complete; it takes no more data.");
        }

        if (chunk.IsEmpty)
        {
            return;
        }

        var chunkStart = BytesSeen;
        BytesSeen += chunk.Length;
        if (_keepTail)
        {
            BytesCopied += _tail.Append(chunk);
        }

        if (_pending.Count == 0)
        {
            return;
        }

        var progressed = false;
        foreach (var region in _pending)
        {
            var next = region.Next;
            BytesCopied += region.Capture(chunk, chunkStart);
            progressed |= region.Next != next || region.IsMissed;
        }

        if (!progressed)
        {
            return;
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            var known = _regions.Count;
            Step();
            if (_regions.Count == known)
            {
                break;
            }

            for (var i = known; i < _regions.Count; i++)
            {
                BytesCopied += _regions[i].Capture(chunk, chunkStart);
            }
        }

        _pending.RemoveAll(static region => region.IsComplete || region.IsMissed);
    }

    /// <summary>The verdict on what has been seen so far, as if it were a prefix; the inspection goes on.</summary>
    public InspectionResult Peek() => _final ?? Evaluate(endOfData: false, totalLength: null);

    /// <summary>The stream has ended: the final verdict, with <see cref="BytesSeen"/> as the file's length.</summary>
    public InspectionResult Complete()
    {
        if (_final is null)
        {
            for (var round = 0; round < MaxRounds; round++)
            {
                var known = _regions.Count;
                Step();
                if (_regions.Count == known)
                {
                    break;
                }
            }

            foreach (var region in _regions)
            {
                region.Settle(BytesSeen);
            }

            _pending.Clear();
            _final = Evaluate(endOfData: true, BytesSeen);
        }

        return _final;
    }

    /// <summary>
    /// Asks for [offset, offset + length) of the stream. What already went by is copied from the regions that hold
    /// it; the rest is captured as it arrives. Null when the bytes could never be held within the bound.
    /// </summary>
    internal CaptureRegion? AddRegion(long offset, int length, byte? terminator = null)
    {
        if (offset < 0 || length <= 0 || offset > long.MaxValue - length || _reserved + length > MaxCapturedBytes)
        {
            return null;
        }

        var region = new CaptureRegion(offset, length, terminator);
        _reserved += length;
        bool copied;
        do
        {
            copied = false;
            foreach (var source in _regions)
            {
                copied |= region.CopyFrom(source);
            }
        }
        while (copied && !region.IsComplete);

        _regions.Add(region);
        if (!region.IsComplete)
        {
            _pending.Add(region);
        }

        return region;
    }

    /// <summary>Lets the formats that follow pointers add their next regions.</summary>
    private void Step()
    {
        var head = _head.Data;
        if (_keepTail && head.Length >= 64 && !(head.StartsWith("KDMV"u8) && VmdkSparseReader.HasFooter(head)) && !head.StartsWith("conectix"u8))
        {
            // Only a stream-optimized VMDK and a VHD keep anything at the end of the stream.
            _keepTail = false;
            _tail.Clear();
        }

        if (_vmdk is null && head.Length >= VmdkSparseReader.HeaderLength && head.StartsWith("KDMV"u8))
        {
            _vmdk = new VmdkSparseReader(head, this);
        }

        if (!_vhdDynamicHeaderAsked && VhdFooter.DynamicHeaderOffset(head) is long dynamicHeader)
        {
            _vhdDynamicHeaderAsked = true;
            _vhdDynamicHeader = AddRegion(dynamicHeader, VhdFooter.DynamicHeaderLength);
        }

        if (_vhdx is null && head.StartsWith("vhdxfile"u8))
        {
            _vhdx = new VhdxReader(this);
        }

        _vhdx?.Advance(this);
    }

    private InspectionResult Evaluate(bool endOfData, long? totalLength)
    {
        var head = _head.Data;
        List<Detection> found = [];
        Add(found, Qcow2Header.Detect(head, endOfData, totalLength));
        Add(found, QedHeader.Detect(head));
        Add(found, VhdFooter.Detect(head, endOfData, endOfData && head.StartsWith("conectix"u8) ? _tail.ToArray() : [], _vhdDynamicHeader, BytesSeen));
        Add(found, head.StartsWith("vhdxfile"u8) ? _vhdx?.Evaluate(endOfData, BytesSeen) : null);
        Add(found, DetectVmdk(head, endOfData));
        Add(found, VdiHeader.Detect(head, endOfData, totalLength));
        Add(found, ParallelsHeader.Detect(head, endOfData, totalLength));
        Add(found, LuksHeader.Detect(head, endOfData, totalLength));
        Add(found, IsoVolume.Detect(head, endOfData, totalLength));
        return Combine(found, PartitionTable.Detect(head), totalLength);
    }

    private Detection? DetectVmdk(ReadOnlySpan<byte> head, bool endOfData)
    {
        if (head.StartsWith("KDMV"u8))
        {
            return _vmdk?.Evaluate(head, endOfData, endOfData ? VmdkFooterArea() : [], BytesSeen)
                ?? Detection.Incomplete(DetectedFormat.Vmdk, endOfData, "header");
        }

        if (head.StartsWith("COWD"u8))
        {
            return Detection.Unsafe(DetectedFormat.Vmdk, "The VMDK image is in the old VMware 3 (COWD) format, which is not supported.");
        }

        if (VmdkDescriptor.LooksLikeDescriptorFile(head))
        {
            return Detection.Unsafe(
                DetectedFormat.Vmdk,
                "The file is a VMDK descriptor that points to other files; upload a single-file VMDK (monolithicSparse or streamOptimized) instead.");
        }

        return null;
    }

    /// <summary>qemu reads the footer from the last whole sectors, a ragged end padded with zeros (block/vmdk.c).</summary>
    private byte[] VmdkFooterArea()
    {
        var tail = _tail.ToArray();
        var area = new byte[tail.Length + (int)((512 - (BytesSeen % 512)) % 512)];
        tail.CopyTo(area, 0);
        return area;
    }

    private static InspectionResult Combine(List<Detection> found, string? partitionTable, long? totalLength)
    {
        // Bootable installer ISOs carry an MBR or GPT in their first 32 KiB for USB sticks: still ISOs.
        var iso = found.FindIndex(static detection => detection.Format == DetectedFormat.Iso);
        if (iso >= 0 && partitionTable is not null)
        {
            found[iso] = found[iso] with { Variant = $"{found[iso].Variant}, hybrid boot record" };
            partitionTable = null;
        }

        if (found.Count == 0)
        {
            return new InspectionResult(DetectedFormat.Raw, totalLength, null) { Variant = partitionTable };
        }

        if (found.Count == 1 && partitionTable is null)
        {
            return found[0].ToResult();
        }

        // One file that two readers see differently is how a format check is slipped past: refuse it.
        var readings = found.Select(static detection => detection.Format.WithArticle()).ToList();
        if (partitionTable is not null)
        {
            readings.Add($"a partitioned disk ({partitionTable})");
        }

        var primary = found[0];
        var reason = $"The data reads as {string.Join(", ", readings[..^1])} and {readings[^1]} at once; "
            + "images that match more than one format are refused.";
        return new InspectionResult(primary.Format, primary.VirtualSize, reason) { Variant = primary.Variant };
    }

    private static void Add(List<Detection> found, Detection? detection)
    {
        if (detection is { } value)
        {
            found.Add(value);
        }
    }
}
