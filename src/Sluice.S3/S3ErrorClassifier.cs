using Amazon.Runtime;
using Sluice.Core.Ports;

namespace Sluice.S3;

/// <summary>
/// The S3 store fails with the SDK's exceptions: <see cref="AmazonServiceException"/> for an error answer (throttling,
/// 5xx, a missing bucket) and <see cref="AmazonClientException"/> when no answer came (connection refused, credentials
/// that cannot be resolved).
/// </summary>
public sealed class S3ErrorClassifier : IStoreErrorClassifier
{
    public bool IsStoreFailure(Exception exception) => exception is AmazonServiceException or AmazonClientException;
}
