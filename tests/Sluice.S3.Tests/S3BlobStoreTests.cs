using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;

namespace Sluice.S3.Tests;

/// <summary>What the S3 store does beyond the port's contract: its key layout, its multipart uploads, its failures.</summary>
public sealed class S3BlobStoreTests(S3Service s3) : IDisposable
{
    private readonly string _prefix = $"store/{Guid.NewGuid():N}/";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "sluice-s3-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keys_AreTheHashUnderThePrefix_AndOwnedBlobsUnderTheirDocumentAndRevision()
    {
        s3.Require();
        using var store = s3.Store(_prefix, _temp);

        var shared = await store.PutAsync(new MemoryStream([1, 2, 3]), "text/plain", cancellationToken: Ct);
        var owned = await store.PutOwnedAsync(new BlobOwner("doc-7", 3), new MemoryStream([1, 2, 3]), "text/plain", Ct);

        Assert.Equal(
            [$"{_prefix}doc/doc-7/3/{shared.Sha256}", $"{_prefix}sha256/{shared.Sha256[..2]}/{shared.Sha256}"],
            await KeysAsync());
        Assert.Equal($"blob:doc:doc-7/3/sha256:{shared.Sha256}", owned.Uri);
    }

    [Fact]
    public async Task LargeBlobs_GoUpInParts_SmallerOnesInOneRequest_WithTheirContentType()
    {
        s3.Require();
        using var store = s3.Store(_prefix, _temp);
        var partSize = S3BlobStoreOptions.MinPartSize;

        var large = await store.PutAsync(new MemoryStream(new byte[(2 * partSize) + 1]), "application/pdf", cancellationToken: Ct);
        var single = await store.PutAsync(new MemoryStream(new byte[partSize]), "text/plain", cancellationToken: Ct);

        using var client = s3.Client();
        var largeHead = await client.GetObjectMetadataAsync(s3.Bucket, store.KeyOf(BlobAddress.Parse(large)), Ct);
        var singleHead = await client.GetObjectMetadataAsync(s3.Bucket, store.KeyOf(BlobAddress.Parse(single)), Ct);

        // A multipart object's ETag is the hash of its parts' hashes followed by the number of parts.
        Assert.EndsWith("-3\"", largeHead.ETag, StringComparison.Ordinal);
        Assert.DoesNotContain('-', singleHead.ETag);
        Assert.Equal("application/pdf", largeHead.Headers.ContentType);
        Assert.Equal((2 * partSize) + 1, largeHead.ContentLength);
        Assert.Empty((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = s3.Bucket, Prefix = _prefix }, Ct)).MultipartUploads ?? []);
    }

    [Fact]
    public async Task Put_OfBytesThatAreThere_SendsNothing_ButAnObjectOfTheWrongLengthIsWrittenAgain()
    {
        s3.Require();
        using var store = s3.Store(_prefix, _temp);
        using var client = s3.Client();
        var bytes = new byte[1000];
        var reference = await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var key = store.KeyOf(BlobAddress.Parse(reference));

        // The same bytes, marked: a second put that sent the bytes again would drop the mark.
        await client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false, Metadata = { ["mark"] = "1" } }, Ct);
        await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        Assert.Equal("1", (await client.GetObjectMetadataAsync(s3.Bucket, key, Ct)).Metadata["mark"]);

        await client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = key, InputStream = new MemoryStream(bytes[..10]), UseChunkEncoding = false }, Ct);
        await store.PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        await using var read = await store.OpenReadAsync(reference, Ct);
        await read.CopyToAsync(Stream.Null, Ct);
    }

    [Fact]
    public async Task AMissingBucket_IsNotALostBlob_AndMarksTheStoreNotReady_UntilItAnswersAgain()
    {
        s3.Require();
        var readiness = new ReadinessSignals();
        var bucket = $"sluice-missing-{Guid.NewGuid():N}"[..30];
        using var store = new S3BlobStore(Options.Create(s3.Options(_prefix, _temp, bucket)), readiness: readiness);
        var reference = new BlobReference("blob:sha256:" + new string('a', 64), new string('a', 64), 1, "text/plain");

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => store.OpenReadAsync(reference, Ct));

        Assert.Equal("NoSuchBucket", error.ErrorCode);
        var problem = Assert.Single(readiness.Problems);
        Assert.Equal(S3BlobStore.ReadinessComponent, problem.Component);
        Assert.Contains(bucket, problem.Reason, StringComparison.Ordinal);
        Assert.Contains("NoSuchBucket", problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.SecretKey, problem.Reason, StringComparison.Ordinal);

        await store.CreateBucketAsync(Ct);
        await store.CreateBucketAsync(Ct);
        Assert.True(readiness.IsReady);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(reference, Ct));

        using var client = s3.Client();
        await client.DeleteBucketAsync(bucket, Ct);
    }

    [Fact]
    public async Task AnUnreachableService_FailsWithAnErrorTheRuntimeRetries_AndKeepsNoTemporaryFile()
    {
        var readiness = new ReadinessSignals();
        var options = new S3BlobStoreOptions
        {
            ServiceUrl = $"http://127.0.0.1:{ClosedPort()}",
            Bucket = "nowhere",
            AccessKey = "key",
            SecretKey = "very-secret",
            TempDirectory = _temp,
        };
        using var store = new S3BlobStore(Options.Create(options), readiness: readiness);

        var error = await Assert.ThrowsAnyAsync<Exception>(
            () => store.PutAsync(new MemoryStream(new byte[S3BlobStore.MemoryBytes + 1]), "text/plain", cancellationToken: Ct));

        // Not one of the blob errors a stage turns into a permanent failure: the runtime retries it.
        Assert.IsNotType<BlobNotFoundException>(error);
        Assert.IsNotType<BlobIntegrityException>(error);
        Assert.IsNotType<BlobTooLargeException>(error);
        Assert.IsNotType<OperationCanceledException>(error, exactMatch: false);
        var problem = Assert.Single(readiness.Problems);
        Assert.DoesNotContain("very-secret", problem.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp) && Directory.EnumerateFiles(_temp).Any());
    }

    private async Task<List<string>> KeysAsync()
    {
        using var client = s3.Client();
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = _prefix }, Ct);
        return [.. (page.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }
}
