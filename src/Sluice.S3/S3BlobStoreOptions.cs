using System.ComponentModel.DataAnnotations;

namespace Sluice.S3;

/// <summary>
/// Options of the S3 blob store (<see cref="S3BlobStore"/>), bound from <c>Sluice:S3</c>. Every host that shares a
/// bucket and prefix reads the blobs any of them wrote.
/// </summary>
public sealed class S3BlobStoreOptions : IValidatableObject
{
    public const string SectionName = "Sluice:S3";

    /// <summary>The smallest part S3 accepts in a multipart upload (all but the last part).</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>
    /// Endpoint of an S3-compatible service (<c>http://127.0.0.1:7480</c> for Ceph RGW, MinIO, ...); empty for AWS S3,
    /// whose endpoint follows from <see cref="Region"/>.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Region requests are signed for (AWS: where the bucket is; most other services accept any).</summary>
    [Required]
    public string Region { get; set; } = "us-east-1";

    /// <summary>The bucket that holds the blobs.</summary>
    [Required]
    public string Bucket { get; set; } = "";

    /// <summary>
    /// Prepended to every object key, so that several deployments can share a bucket: empty, or ending with '/'
    /// (<c>sluice/</c> gives <c>sluice/sha256/ab/&lt;hash&gt;</c>).
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>Access key id; with <see cref="SecretKey"/>, or neither to use the SDK's default credential chain (environment, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key. Never logged.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Path-style requests (<c>http://host/bucket/key</c>) rather than virtual-hosted ones (<c>http://bucket.host/key</c>).
    /// Unset: path-style when <see cref="ServiceUrl"/> is set, as S3-compatible services without wildcard DNS need.
    /// </summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Size of a multipart upload's parts; larger blobs are uploaded in parts, smaller ones in one request.</summary>
    [Range(MinPartSize, 1024 * 1024 * 1024)]
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Create the bucket when the host starts if it does not exist (development; production buckets are provisioned).</summary>
    public bool CreateBucket { get; set; }

    /// <summary>
    /// Local directory for uploads on their way to S3 (an upload's key is its hash, known only once all of it has
    /// arrived, so it is kept aside first). Empty: the system's temporary directory.
    /// </summary>
    public string? TempDirectory { get; set; }

    /// <summary>Whether requests go path-style (see <see cref="ForcePathStyle"/>).</summary>
    public bool UsesPathStyle => ForcePathStyle ?? !string.IsNullOrWhiteSpace(ServiceUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ServiceUrl)
            && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("ServiceUrl must be an absolute http:// or https:// URL.", [nameof(ServiceUrl)]);
        }

        if (Prefix.Length > 0 && (!Prefix.EndsWith('/') || Prefix.StartsWith('/') || Prefix.Contains("//", StringComparison.Ordinal)))
        {
            yield return new ValidationResult("Prefix must be empty or end with '/' (and neither start with '/' nor contain '//'), e.g. 'sluice/'.", [nameof(Prefix)]);
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            yield return new ValidationResult(
                "AccessKey and SecretKey go together: set both, or neither to use the default credential chain.", [nameof(AccessKey), nameof(SecretKey)]);
        }
    }

    /// <summary>The settings without the secret, safe to log.</summary>
    public override string ToString()
        => $"S3 bucket '{Bucket}' prefix '{Prefix}' at {(string.IsNullOrWhiteSpace(ServiceUrl) ? "AWS " + Region : ServiceUrl)}"
            + $"{(string.IsNullOrEmpty(AccessKey) ? ", default credentials" : $", access key {AccessKey}, secret key ***")}";
}
