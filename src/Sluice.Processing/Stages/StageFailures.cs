using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Processing.Stages;

/// <summary>How the stages turn the failures of their dependencies into results the runtime acts on.</summary>
internal static class StageFailures
{
    /// <summary>
    /// A claim check that cannot be honoured never will be: missing or corrupt blobs are permanent failures.
    /// Null when the error is not about the blob.
    /// </summary>
    public static StageResult? Blob(Exception exception, string what) => exception switch
    {
        BlobNotFoundException e => StageResult.Permanent($"{what} is no longer in the blob store", e),
        BlobIntegrityException e => StageResult.Permanent($"{what} is corrupt: {e.Message}", e),
        _ => null,
    };

    /// <summary>A provider's failure is retried when it says it may pass, with its Retry-After; else it is final.</summary>
    public static StageResult Provider(ProviderException exception, string provider)
        => exception.IsTransient
            ? StageResult.Transient($"the {provider} failed: {exception.Message}", exception, exception.RetryAfter)
            : StageResult.Permanent($"the {provider} refused the request: {exception.Message}", exception);
}
