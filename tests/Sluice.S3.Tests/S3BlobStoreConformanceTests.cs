using Amazon.S3.Model;
using Sluice.Conformance;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.S3.Tests;

/// <summary>
/// The blob store contract on <see cref="S3BlobStore"/> against a real S3 service (Ceph RGW unless
/// <c>SLUICE_S3_SERVICE_URL</c> names another), each test under a key prefix and temporary directory of its own.
/// Parts are the S3 minimum (5 MiB), so the large blob goes up in four parts.
/// </summary>
public sealed class S3BlobStoreConformanceTests(S3Service s3) : BlobStoreConformance
{
    private readonly string _prefix = $"conformance/{Guid.NewGuid():N}/";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "sluice-s3-tests", Guid.NewGuid().ToString("N"));

    protected override Task<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        s3.Require();
        return Task.FromResult<IBlobStore>(s3.Store(_prefix, _temp));
    }

    protected override async Task<int> CountStoredAsync(CancellationToken cancellationToken)
    {
        using var client = s3.Client();
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = _prefix }, cancellationToken);
        return page.S3Objects?.Count ?? 0;
    }

    protected override int CountTemporaryFiles() => Directory.Exists(_temp) ? Directory.EnumerateFiles(_temp).Count() : 0;

    protected override async Task ReplaceStoredBytesAsync(BlobReference reference, byte[] bytes, CancellationToken cancellationToken)
    {
        using var store = s3.Store(_prefix);
        using var client = s3.Client();
        await client.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = s3.Bucket,
                Key = store.KeyOf(BlobAddress.Parse(reference)),
                InputStream = new MemoryStream(bytes),
                UseChunkEncoding = false,
            },
            cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }
}
