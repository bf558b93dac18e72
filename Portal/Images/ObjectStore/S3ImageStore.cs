using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Portal.Configuration;

namespace Portal.Images.ObjectStore;

/// <summary>
/// One object per image in an S3-compatible bucket (OpenStack Swift with s3api, Ceph RGW, MinIO, Amazon S3), under
/// <c>{KeyPrefix}{image id}</c>. Data streams in as a multipart upload while it arrives: what a writer holds in memory
/// is the part being filled and at most one part on its way, never the whole image, and nothing goes to local disk.
/// </summary>
public sealed class S3ImageStore : IImageStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3StoreOptions _options;
    private readonly ILogger<S3ImageStore> _logger;
    private readonly bool _signPayload;
    private Task? _bucketCreated;

    /// <summary>The images whose data is being written now through this instance: one writer per image at a time.</summary>
    private readonly ConcurrentDictionary<Guid, byte> _writing = new();

    public S3ImageStore(S3StoreOptions options, ILogger<S3ImageStore> logger)
    {
        _options = options;
        _logger = logger;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // The SDK's default CRC32 headers on every request are newer than many S3-compatible stores and would be a
            // further pass over every part; the parts are covered by the SHA-256 payload signature (see SendPartAsync).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrEmpty(options.CaCertificateFile))
        {
            config.HttpClientFactory = new S3TrustedCertificates(options.TrustedCertificates());
        }

        if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
        }

        // Over TLS the channel protects the bytes, so the SDK need not hash each part; over plain HTTP it refuses
        // unsigned payloads and hashes every part with SHA-256 for the signature.
        _signPayload = !string.IsNullOrEmpty(options.ServiceUrl) && options.ServiceUrl.StartsWith("http:", StringComparison.OrdinalIgnoreCase);
        _s3 = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public string Bucket => _options.Bucket;

    /// <summary>Whether each part's SHA-256 goes into its signature (plain http), or the part goes UNSIGNED-PAYLOAD (https).</summary>
    internal bool SignsPayload => _signPayload;

    public string KeyOf(Guid imageId) => _options.KeyPrefix + imageId.ToString("D");

    /// <summary>An object store does not tell how much it can still take.</summary>
    public long? AvailableBytes => null;

    /// <summary>The multipart uploads under the portal's prefix that were started and neither completed nor aborted.</summary>
    public async Task<IReadOnlyList<(string Key, string UploadId)>> IncompleteUploadsAsync(CancellationToken cancellationToken)
    {
        await BucketReadyAsync();
        var found = new List<(string, string)>();
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = _options.KeyPrefix };
        while (true)
        {
            var page = await CallAsync(() => _s3.ListMultipartUploadsAsync(request, cancellationToken));
            found.AddRange((page.MultipartUploads ?? []).Select(u => (u.Key, u.UploadId)));
            if (page.IsTruncated != true || (string.IsNullOrEmpty(page.NextKeyMarker) && string.IsNullOrEmpty(page.NextUploadIdMarker)))
            {
                return found;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    public async Task<int> RemoveIncompleteWritesAsync(IReadOnlySet<Guid>? stillRunning, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var (key, uploadId) in await IncompleteUploadsAsync(cancellationToken))
        {
            // Another instance's transfer into the same bucket is still writing this one.
            if (stillRunning is not null && Guid.TryParse(key[_options.KeyPrefix.Length..], out var imageId) && stillRunning.Contains(imageId))
            {
                continue;
            }

            await AbortAsync(key, uploadId, cancellationToken);
            removed++;
        }

        return removed;
    }

    public async Task<ImageDataWriter> BeginWriteAsync(Guid imageId, CancellationToken cancellationToken)
    {
        await BucketReadyAsync();
        if (!_writing.TryAdd(imageId, 0))
        {
            throw new IOException($"The data of image {imageId} is already being written.");
        }

        return new S3Writer(this, imageId, () => _writing.TryRemove(imageId, out _));
    }

    public Task<Stream?> OpenReadAsync(Guid imageId, CancellationToken cancellationToken) =>
        OpenReadAsync(imageId, 0, null, cancellationToken);

    public async Task<Stream?> OpenReadAsync(Guid imageId, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await BucketReadyAsync();
        if (length == 0)
        {
            return await ExistsAsync(imageId, cancellationToken) ? Stream.Null : null;
        }

        var request = new GetObjectRequest { BucketName = Bucket, Key = KeyOf(imageId) };
        if (offset > 0 || length is not null)
        {
            // A ranged GET: the store sends just these bytes.
            request.ByteRange = length is { } count ? new ByteRange(offset, offset + count - 1) : new ByteRange($"bytes={offset}-");
        }

        try
        {
            var response = await CallAsync(() => _s3.GetObjectAsync(request, cancellationToken));
            return new ObjectReadStream(response);
        }
        catch (NotFoundException)
        {
            return null;
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
        {
            // The range starts at or past the end: there is data, just none there.
            return Stream.Null;
        }
    }

    public async Task<bool> ExistsAsync(Guid imageId, CancellationToken cancellationToken) =>
        await LengthOfAsync(imageId, cancellationToken) is not null;

    public async Task<long?> LengthOfAsync(Guid imageId, CancellationToken cancellationToken)
    {
        await BucketReadyAsync();
        try
        {
            var head = await CallAsync(() => _s3.GetObjectMetadataAsync(Bucket, KeyOf(imageId), cancellationToken));
            return head.ContentLength;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(Guid imageId, CancellationToken cancellationToken)
    {
        // S3's DELETE answers the same whether or not there was an object; the HEAD tells which.
        var existed = await ExistsAsync(imageId, cancellationToken);
        await CallAsync(() => _s3.DeleteObjectAsync(Bucket, KeyOf(imageId), cancellationToken));
        return existed;
    }

    public void Dispose() => _s3.Dispose();

    /// <summary>With CreateBucket, the bucket is made on first use; a failed attempt (store not up yet) is tried again next time.</summary>
    private Task BucketReadyAsync()
    {
        if (!_options.CreateBucket)
        {
            return Task.CompletedTask;
        }

        var creating = _bucketCreated;
        if (creating is null || creating.IsFaulted || creating.IsCanceled)
        {
            // Two callers racing here both ask; the store answers the second that the bucket is already there.
            _bucketCreated = creating = CreateBucketAsync();
        }

        return creating;
    }

    private async Task CreateBucketAsync()
    {
        try
        {
            await CallAsync(() => _s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }));
            _logger.LogInformation("Created the image bucket {Bucket}", Bucket);
        }
        catch (IOException e) when (e.InnerException is AmazonS3Exception { ErrorCode: "BucketAlreadyOwnedByYou" or "BucketAlreadyExists" })
        {
        }
    }

    private async Task AbortAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(() => _s3.AbortMultipartUploadAsync(Bucket, key, uploadId, cancellationToken));
        }
        catch (NotFoundException)
        {
            // Already gone: aborted or completed by someone else.
        }
    }

    /// <summary>
    /// Runs a store request; the store's failures become <see cref="IOException"/> (what the transfer code reports as
    /// "could not store the data") with a message that names the status only — no address, bucket or credential.
    /// </summary>
    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode == "NoSuchBucket")
        {
            throw new IOException("the object store has no such bucket", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new NotFoundException(e);
        }
        catch (AmazonServiceException e)
        {
            throw new IOException($"the object store answered {(int)e.StatusCode} {e.ErrorCode}".TrimEnd(), e);
        }
        catch (AmazonClientException e)
        {
            throw new IOException("the object store could not be reached", e);
        }
        catch (HttpRequestException e)
        {
            throw new IOException("the object store could not be reached", e);
        }
    }

    /// <summary>No such object or upload: an answer, not a failure, where the store's methods catch it.</summary>
    private sealed class NotFoundException(Exception inner) : IOException("the object store has no such object", inner);

    /// <summary>
    /// A multipart upload fed part by part: a full part is sent while the next one fills, with at most
    /// <see cref="S3StoreOptions.PartsInFlight"/> parts on their way at once (a store takes each part with a write and a
    /// sync of its own, which several parts in flight overlap); beyond that the writer waits for the oldest part — so it
    /// holds at most that many parts plus the one filling, and a slow store slows the upload down instead of filling memory.
    /// </summary>
    private sealed class S3Writer(S3ImageStore store, Guid imageId, Action closed) : ImageDataWriter
    {
        private readonly string _key = store.KeyOf(imageId);
        private readonly int _partSize = (int)store._options.PartSizeBytes;

        /// <summary>The parts that arrived, in order: only the writer's own calls touch it.</summary>
        private readonly List<PartETag> _parts = [];

        /// <summary>The parts on their way, oldest first, each with the buffer it is sent from.</summary>
        private readonly Queue<(Task<PartETag> Sending, byte[] Buffer)> _inFlight = new();
        private readonly CancellationTokenSource _stop = new();
        private string? _uploadId;
        private byte[]? _filling;
        private int _filled;
        private int _sent;
        private long _length;
        private bool _committed;
        private bool _disposed;

        public override long Length => _length;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (!data.IsEmpty)
            {
                _filling ??= ArrayPool<byte>.Shared.Rent(_partSize);
                var take = Math.Min(data.Length, _partSize - _filled);
                data.Span[..take].CopyTo(_filling.AsSpan(_filled));
                _filled += take;
                _length += take;
                data = data[take..];
                if (_filled == _partSize)
                {
                    await SendFilledAsync(cancellationToken);
                }
            }
        }

        public override async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (await store.ExistsAsync(imageId, cancellationToken))
            {
                throw new IOException($"The data of image {imageId} is already stored; it is never replaced.");
            }

            if (_length == 0)
            {
                // Nothing to send in parts (an empty part is not one every store takes); the check above is the only guard.
                await CallAsync(() => store._s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = store.Bucket,
                    Key = _key,
                    InputStream = new MemoryStream([], writable: false),
                    UseChunkEncoding = false,
                    DisablePayloadSigning = !store._signPayload,
                }, cancellationToken));
                _committed = true;
                return;
            }

            if (_filled > 0)
            {
                await SendFilledAsync(cancellationToken);
            }

            while (_inFlight.Count > 0)
            {
                await ArrivedAsync();
            }

            try
            {
                // If-None-Match: * makes the store itself refuse to replace an object that appeared since the check above
                // (Swift's s3api and Amazon S3 honour it on the completion; Swift answers 501 to it on a plain PUT, which
                // is why even the smallest image goes up as a one-part multipart upload).
                await CallAsync(() => store._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = store.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartETags = _parts,
                    IfNoneMatch = "*",
                }, cancellationToken));
            }
            catch (IOException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
            {
                throw new IOException($"The data of image {imageId} is already stored; it is never replaced.", e);
            }

            _committed = true;
        }

        private async Task SendFilledAsync(CancellationToken cancellationToken)
        {
            // Too many parts on their way: the oldest must arrive before another is sent (and its failure surfaces here).
            while (_inFlight.Count >= store._options.PartsInFlight)
            {
                await ArrivedAsync();
            }

            _uploadId ??= (await CallAsync(() => store._s3.InitiateMultipartUploadAsync(store.Bucket, _key, cancellationToken))).UploadId;
            if (_sent >= store._options.MaxParts)
            {
                throw new IOException($"the image is larger than the object store takes in {store._options.MaxParts} parts of {_partSize >> 20} MiB");
            }

            var buffer = _filling ?? [];
            var count = _filled;
            var number = ++_sent;
            _filling = null;
            _filled = 0;

            // The part outlives this write call: it stops when the writer is disposed, not when one write's token fires.
            _inFlight.Enqueue((SendPartAsync(number, buffer, count, _stop.Token), buffer));
        }

        /// <summary>Waits for the oldest part on its way and records it; its buffer is free again whatever happened.</summary>
        private async Task ArrivedAsync()
        {
            var (sending, buffer) = _inFlight.Peek();
            try
            {
                _parts.Add(await sending);
            }
            finally
            {
                _inFlight.Dequeue();
                Return(buffer);
            }
        }

        private async Task<PartETag> SendPartAsync(int number, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream(buffer, 0, count, writable: false);
            var response = await CallAsync(() => store._s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store.Bucket,
                Key = _key,
                UploadId = _uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = count,
                // Swift's s3api answers 501 to aws-chunked bodies; a plain body with its SHA-256 in the signature
                // works everywhere (over TLS the payload goes unsigned, saving that hash).
                UseChunkEncoding = false,
                DisablePayloadSigning = !store._signPayload,
            }, cancellationToken));
            return new PartETag(number, response.ETag);
        }

        private static void Return(byte[] buffer)
        {
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stop.CancelAsync();
            try
            {
                // Every part still on its way stops; its buffer is returned only once nothing reads from it any more.
                while (_inFlight.Count > 0)
                {
                    try
                    {
                        await ArrivedAsync();
                    }
                    catch (Exception)
                    {
                        // Whatever stopped this part, the transfer failed anyway: the upload is aborted below.
                    }
                }

                if (_filling is not null)
                {
                    Return(_filling);
                    _filling = null;
                }

                if (!_committed && _uploadId is not null)
                {
                    await store.AbortAsync(_key, _uploadId, CancellationToken.None);
                }
            }
            catch (IOException e)
            {
                // Not lost: the next start's RemoveIncompleteWritesAsync aborts what is left.
                store._logger.LogWarning(e, "The unfinished upload of image {ImageId} could not be aborted yet", imageId);
            }
            finally
            {
                _stop.Dispose();
                closed();
            }
        }
    }

    /// <summary>The body of a GET; disposing it ends the response (and its connection's use).</summary>
    private sealed class ObjectReadStream(GetObjectResponse response) : Transfer.ForwardReadStream
    {
        private readonly Stream _body = response.ResponseStream;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _body.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync()
        {
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
