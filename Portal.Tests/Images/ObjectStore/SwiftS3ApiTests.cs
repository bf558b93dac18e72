using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Portal.Tests.Support;

namespace Portal.Tests.Images.ObjectStore;

/// <summary>
/// What S3ImageStore relies on from Swift's s3api, asked of the real engine with the SDK directly: a completion with
/// <c>If-None-Match: *</c> over an existing object is refused (the store's conditional commit), the same header on a
/// plain PUT is not implemented (why even small images go up as multipart uploads), and aws-chunked bodies are refused
/// over plain HTTP (why every request turns chunk encoding off).
/// </summary>
[Trait(TestCategories.Category, TestCategories.Integration)]
public sealed class SwiftS3ApiTests : IAsyncLifetime
{
    private AmazonS3Client _s3 = null!;
    private string _bucket = null!;

    public async Task InitializeAsync()
    {
        var swift = await SwiftServer.SharedAsync();
        _bucket = SwiftServer.NewBucketName();
        _s3 = new AmazonS3Client(new BasicAWSCredentials(SwiftServer.AccessKey, SwiftServer.SecretKey), new AmazonS3Config
        {
            ServiceURL = swift.ServiceUrl.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        await _s3.PutBucketAsync(_bucket);
    }

    public Task DisposeAsync()
    {
        _s3.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ACompletionWithIfNoneMatchIsRefusedOverAnExistingObjectAndAcceptedForANewOne()
    {
        await CompleteAsync("fresh", "first"u8.ToArray());
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => CompleteAsync("fresh", "second"u8.ToArray()));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        using var stored = await _s3.GetObjectAsync(_bucket, "fresh");
        using var read = new StreamReader(stored.ResponseStream);
        Assert.Equal("first", await read.ReadToEndAsync());
    }

    [Fact]
    public async Task IfNoneMatchOnAPlainPutIsNotImplemented()
    {
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = "plain",
            ContentBody = "data",
            IfNoneMatch = "*",
            UseChunkEncoding = false,
        }));

        Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
    }

    [Fact]
    public async Task AnAwsChunkedBodyIsRefusedOverPlainHttp()
    {
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = "chunked",
            InputStream = new MemoryStream(new byte[1000]),
            UseChunkEncoding = true,
        }));

        Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
    }

    private async Task CompleteAsync(string key, byte[] content)
    {
        var upload = await _s3.InitiateMultipartUploadAsync(_bucket, key);
        try
        {
            var part = await _s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartNumber = 1,
                InputStream = new MemoryStream(content),
                UseChunkEncoding = false,
            });
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = [new PartETag(1, part.ETag)],
                IfNoneMatch = "*",
            });
        }
        catch
        {
            await _s3.AbortMultipartUploadAsync(_bucket, key, upload.UploadId);
            throw;
        }
    }
}
