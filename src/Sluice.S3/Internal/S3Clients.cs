using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Sluice.S3.Internal;

/// <summary>Builds the SDK client the options describe.</summary>
internal static class S3Clients
{
    public static AmazonS3Client Create(S3BlobStoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.UsesPathStyle,

            // Checksums only where the API demands one (DeleteObjects): S3-compatible services such as Ceph RGW
            // reject or ignore the trailing checksums SDK 4 sends by default.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }

        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }
}
