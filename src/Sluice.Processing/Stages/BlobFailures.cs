using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Processing.Stages;

/// <summary>A claim check that cannot be honoured never will be: missing or corrupt blobs are permanent failures.</summary>
internal static class BlobFailures
{
    /// <summary>The permanent failure for a blob read error, or null when the error is not about the blob.</summary>
    public static StageResult? Classify(Exception exception, string what) => exception switch
    {
        BlobNotFoundException e => StageResult.Permanent($"{what} is no longer in the blob store", e),
        BlobIntegrityException e => StageResult.Permanent($"{what} is corrupt: {e.Message}", e),
        _ => null,
    };
}
