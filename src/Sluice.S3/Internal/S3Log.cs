using Microsoft.Extensions.Logging;

namespace Sluice.S3.Internal;

internal static partial class S3Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "S3 {Operation} on bucket {Bucket} failed: {Reason}")]
    public static partial void CallFailed(ILogger logger, string operation, string bucket, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "S3 bucket {Bucket} answers again")]
    public static partial void Recovered(ILogger logger, string bucket);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Aborting multipart upload of {Key} failed; the bucket's lifecycle rules must remove its parts")]
    public static partial void AbortFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Created S3 bucket {Bucket}")]
    public static partial void BucketCreated(ILogger logger, string bucket);
}
