using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.S3.Internal;

namespace Sluice.S3;

/// <summary>
/// Content-addressed blobs in an S3 bucket (AWS S3 or a compatible service such as Ceph RGW or MinIO). Shared
/// content lives at <c>PREFIX sha256/ab/&lt;hash&gt;</c>, a document revision's blobs under
/// <c>PREFIX doc/&lt;id&gt;/&lt;revision&gt;/</c>; references carry the store-neutral URIs of <see cref="BlobAddress"/>,
/// so any host configured with the same bucket and prefix reads what another wrote.
/// </summary>
/// <remarks>
/// <para>
/// An object's key is the hash of its bytes, and the hash is known only once the last byte has arrived, so an upload
/// is first hashed into memory (up to <see cref="MemoryBytes"/>) or a temporary file, never held whole in memory,
/// and then sent under its final key: in one request up to <see cref="S3BlobStoreOptions.PartSize"/>, in parts
/// beyond. An object that is there already with the same length is not sent again: same key, same bytes. An upload
/// larger than its limit is refused before anything reaches the bucket.
/// </para>
/// <para>
/// S3 writes are atomic (an object is either absent or complete) and, on AWS S3 and RGW, read-after-write
/// consistent, so a reference handed out after a commit always reads. Failures other than a missing object surface
/// as the SDK's exceptions, which the stage runtime retries as transient, and mark the store not ready until a
/// call succeeds again.
/// </para>
/// </remarks>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Uploads up to this size are hashed in memory rather than through a temporary file.</summary>
    public const int MemoryBytes = 256 * 1024;

    /// <summary>The component name this store reports problems under in <see cref="ReadinessSignals"/>.</summary>
    public const string ReadinessComponent = "blob-store";

    /// <summary>Most keys one DeleteObjects request may name.</summary>
    private const int DeleteBatch = 1000;

    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _temp;
    private readonly int _partSize;
    private readonly string _where;
    private readonly ILogger _logger;
    private readonly ReadinessSignals? _readiness;
    private readonly TimeProvider _time;
    private int _failing;

    public S3BlobStore(
        IOptions<S3BlobStoreOptions> options, ILogger<S3BlobStore>? logger = null, ReadinessSignals? readiness = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _s3 = S3Clients.Create(o);
        _bucket = o.Bucket;
        _prefix = o.Prefix;
        _temp = string.IsNullOrWhiteSpace(o.TempDirectory) ? Path.GetTempPath() : Path.GetFullPath(o.TempDirectory);
        _partSize = o.PartSize;
        _where = string.IsNullOrWhiteSpace(o.ServiceUrl) ? $"AWS {o.Region}" : o.ServiceUrl;
        _logger = logger ?? NullLogger<S3BlobStore>.Instance;
        _readiness = readiness;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The bucket this store writes to.</summary>
    public string Bucket => _bucket;

    public async Task<BlobReference> PutAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        await using var staged = await StageAsync(content, contentType, maxBytes, owner: null, cancellationToken);
        await staged.CommitAsync(cancellationToken);
        return staged.Reference;
    }

    public async Task<StagedBlob> StageAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
        => await StageAsync(content, contentType, maxBytes, owner: null, cancellationToken);

    public async Task<BlobReference> PutOwnedAsync(
        BlobOwner owner, Stream content, string contentType, CancellationToken cancellationToken = default)
    {
        // Checked before reading: the owner's parts become part of the key.
        BlobAddress.ThrowIfCannotOwn(owner);
        await using var staged = await StageAsync(content, contentType, long.MaxValue, owner, cancellationToken);
        await staged.CommitAsync(cancellationToken);
        return staged.Reference;
    }

    public async Task DeleteOwnedAsync(BlobOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!owner.IsValid)
        {
            return;
        }

        // Listed page by page and deleted in batches; a blob written while this runs belongs to a revision being
        // deleted, which the caller settles (the same holds for the file store).
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = OwnerPrefix(owner), MaxKeys = DeleteBatch };
        while (true)
        {
            var page = await CallAsync("ListObjectsV2", () => _s3.ListObjectsV2Async(request, cancellationToken), cancellationToken);
            var keys = page.S3Objects ?? [];
            if (keys.Count > 0)
            {
                var delete = new DeleteObjectsRequest
                {
                    BucketName = _bucket,
                    Objects = [.. keys.Select(o => new KeyVersion { Key = o.Key })],
                    Quiet = true,
                };
                var deleted = await CallAsync("DeleteObjects", () => _s3.DeleteObjectsAsync(delete, cancellationToken), cancellationToken);
                if (deleted.DeleteErrors is { Count: > 0 } errors)
                {
                    throw new IOException(
                        $"S3 did not delete {errors.Count} blob(s) of {owner} in bucket '{_bucket}', e.g. {errors[0].Key}: {errors[0].Code}.");
                }
            }

            if (page.IsTruncated != true)
            {
                return;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var key = KeyOf(BlobAddress.Parse(reference));
        try
        {
            var response = await CallAsync("GetObject", () => _s3.GetObjectAsync(_bucket, key, cancellationToken), cancellationToken);
            return new VerifyingReadStream(response.ResponseStream, reference);
        }
        catch (AmazonS3Exception e) when (IsMissing(e))
        {
            throw new BlobNotFoundException(reference.Uri);
        }
    }

    public async Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return await LengthAsync(KeyOf(BlobAddress.Parse(reference)), cancellationToken) is not null;
    }

    public async Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var key = KeyOf(BlobAddress.Parse(reference));

        // S3 answers a delete of a missing key with success.
        await CallAsync("DeleteObject", () => _s3.DeleteObjectAsync(_bucket, key, cancellationToken), cancellationToken);
    }

    /// <summary>Creates the bucket unless it exists and is this account's.</summary>
    public async Task CreateBucketAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync("PutBucket", () => _s3.PutBucketAsync(new PutBucketRequest { BucketName = _bucket }, cancellationToken), cancellationToken);
            S3Log.BucketCreated(_logger, _bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou")
        {
            // There already.
        }
    }

    /// <summary>The object key of a blob: <c>PREFIX sha256/ab/&lt;hash&gt;</c> or <c>PREFIX doc/&lt;id&gt;/&lt;revision&gt;/&lt;hash&gt;</c>.</summary>
    internal string KeyOf(BlobAddress address)
        => address.Owner is { } owner
            ? OwnerPrefix(owner) + address.Sha256
            : $"{_prefix}sha256/{address.Sha256[..2]}/{address.Sha256}";

    private string OwnerPrefix(BlobOwner owner) => $"{_prefix}doc/{owner.DocumentId}/{owner.Revision.ToString(CultureInfo.InvariantCulture)}/";

    private async Task<StagedBlob> StageAsync(
        Stream content, string contentType, long maxBytes, BlobOwner? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var staged = await StagedContent.ReadAsync(content, maxBytes, MemoryBytes, _temp, cancellationToken);
        try
        {
            var address = owner is null ? BlobAddress.Shared(staged.Sha256) : BlobAddress.Owned(owner, staged.Sha256);
            return new S3StagedBlob(new BlobReference(address.Uri, staged.Sha256, staged.Length, contentType), KeyOf(address), staged, this);
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>Sends the staged bytes to <paramref name="key"/> unless an object of their length is there already.</summary>
    internal async Task UploadAsync(string key, StagedContent content, string contentType, CancellationToken cancellationToken)
    {
        if (await LengthAsync(key, cancellationToken) == content.Length)
        {
            return;
        }

        if (content.Length <= _partSize || content.FilePath is null)
        {
            var put = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key,
                InputStream = content.OpenRead(),
                AutoCloseStream = true,
                ContentType = contentType,
                UseChunkEncoding = false,
            };
            await CallAsync("PutObject", () => _s3.PutObjectAsync(put, cancellationToken), cancellationToken);
            return;
        }

        await UploadPartsAsync(key, content.FilePath, content.Length, contentType, cancellationToken);
    }

    /// <summary>A multipart upload of the file, one part after the other; aborted when any part fails.</summary>
    private async Task UploadPartsAsync(string key, string path, long length, string contentType, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType };
        var upload = await CallAsync("CreateMultipartUpload", () => _s3.InitiateMultipartUploadAsync(initiate, cancellationToken), cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            for (long position = 0; position < length; position += _partSize)
            {
                var part = new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = parts.Count + 1,
                    FilePath = path,
                    FilePosition = position,
                    PartSize = Math.Min(_partSize, length - position),
                    IsLastPart = position + _partSize >= length,
                    UseChunkEncoding = false,
                };
                var uploaded = await CallAsync("UploadPart", () => _s3.UploadPartAsync(part, cancellationToken), cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, uploaded.ETag));
            }

            var complete = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts };
            await CallAsync("CompleteMultipartUpload", () => _s3.CompleteMultipartUploadAsync(complete, cancellationToken), cancellationToken);
        }
        catch
        {
            try
            {
                await _s3.AbortMultipartUploadAsync(_bucket, key, upload.UploadId, CancellationToken.None);
            }
#pragma warning disable CA1031 // The upload's own failure is the one to report.
            catch (Exception abort)
#pragma warning restore CA1031
            {
                S3Log.AbortFailed(_logger, key, abort);
            }

            throw;
        }
    }

    /// <summary>The object's length, or null when there is none.</summary>
    private async Task<long?> LengthAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await CallAsync("HeadObject", () => _s3.GetObjectMetadataAsync(_bucket, key, cancellationToken), cancellationToken);
            return head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // A HEAD has no body to tell a missing key from a missing bucket; a write that follows will tell.
            return null;
        }
    }

    /// <summary>A missing object, not a missing bucket (which is a configuration problem, not a lost blob).</summary>
    private static bool IsMissing(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket";

    /// <summary>
    /// Runs one S3 call. A failure other than a missing object marks the store not ready and is logged without
    /// secrets; the next success clears it. The exception itself goes on to the caller.
    /// </summary>
    private async Task<T> CallAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await call();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            Recovered();
            throw;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = Describe(e);
            S3Log.CallFailed(_logger, operation, _bucket, reason);
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                _readiness?.Report(ReadinessComponent, $"S3 bucket '{_bucket}' at {_where}: {operation} failed: {reason}", _time.GetUtcNow());
            }

            throw;
        }

        Recovered();
        return result;
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            _readiness?.Clear(ReadinessComponent);
            S3Log.Recovered(_logger, _bucket);
        }
    }

    /// <summary>What went wrong, for operators: the service's status and error code, or the kind of network failure.</summary>
    private static string Describe(Exception e) => e switch
    {
        AmazonServiceException s when s.StatusCode != 0 => $"HTTP {(int)s.StatusCode} {s.ErrorCode}".TrimEnd(),
        AmazonServiceException { InnerException: { } inner } => Describe(inner),
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => $"{h.HttpRequestError}",
        _ => e.GetType().Name,
    };

    public void Dispose() => _s3.Dispose();
}
