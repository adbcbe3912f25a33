using Microsoft.Extensions.Logging;

namespace Sluice.Core.Runtime.Internal;

internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Information, "Stage {Stage} consuming {Topic} with parallelism {Parallelism}")]
    public static partial void Started(ILogger logger, string stage, string topic, int parallelism);

    [LoggerMessage(2, LogLevel.Information, "Stage {Stage} stopped; {Abandoned} in-flight records left for redelivery")]
    public static partial void Stopped(ILogger logger, string stage, int abandoned);

    [LoggerMessage(3, LogLevel.Error, "Stage {Stage} skipped an unreadable record at {Topic}[{Partition}]@{Offset}: {Reason}")]
    public static partial void PoisonRecord(ILogger logger, string stage, string topic, int partition, long offset, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Stage {Stage} failed document {DocumentId}: {Reason}")]
    public static partial void PermanentFailure(ILogger logger, string stage, string documentId, string reason, Exception? exception = null);

    [LoggerMessage(5, LogLevel.Information, "Stage {Stage} will retry document {DocumentId} (attempt {Attempt}) in {Delay}: {Reason}")]
    public static partial void TransientFailure(ILogger logger, string stage, string documentId, int attempt, TimeSpan delay, string reason, Exception? exception);

    [LoggerMessage(6, LogLevel.Warning, "Stage {Stage} could not publish; retrying in {Delay}")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string stage, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Warning, "Stage {Stage} could not poll or commit; retrying in {Delay}")]
    public static partial void LogUnavailable(ILogger logger, Exception exception, string stage, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Debug, "Stage {Stage} paused {Partition} at {InFlight} in-flight records")]
    public static partial void Paused(ILogger logger, string stage, string partition, int inFlight);

    [LoggerMessage(9, LogLevel.Information, "Stage {Stage} was assigned {Count} partition(s): {Partitions}")]
    public static partial void Assigned(ILogger logger, string stage, int count, string partitions);

    [LoggerMessage(10, LogLevel.Information, "Stage {Stage} gives up {Count} partition(s): {Partitions}; committing {Committed} offset(s)")]
    public static partial void Revoked(ILogger logger, string stage, int count, string partitions, int committed);

    [LoggerMessage(11, LogLevel.Information, "Stage {Stage} will retry document {DocumentId} (attempt {Attempt} failed) from {Topic} in {Delay}: {Reason}")]
    public static partial void Retrying(ILogger logger, string stage, string documentId, int attempt, string topic, TimeSpan delay, string reason, Exception? exception);

    [LoggerMessage(12, LogLevel.Warning, "Stage {Stage} dead-lettered document {DocumentId} to {Topic}: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string stage, string documentId, string topic, string reason, Exception? exception);

    [LoggerMessage(13, LogLevel.Warning, "Stage {Stage}: the provider's circuit is open (document {DocumentId}); consumption pauses for {Pause}")]
    public static partial void CircuitOpen(ILogger logger, string stage, string documentId, TimeSpan pause);

    [LoggerMessage(14, LogLevel.Warning, "Projection {Stage} could not apply {Topic}[{Partition}]@{Offset} (attempt {Attempt}); it commits nothing past it and retries in {Delay}: {Reason}")]
    public static partial void ProjectionStalled(ILogger logger, string stage, string topic, int partition, long offset, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(15, LogLevel.Information, "Projection {Stage} applied {Topic}[{Partition}]@{Offset} after {Attempts} attempts; it goes on")]
    public static partial void ProjectionRecovered(ILogger logger, string stage, string topic, int partition, long offset, int attempts);

    [LoggerMessage(16, LogLevel.Error, "Projection {Stage} SKIPPED {Topic}[{Partition}]@{Offset} (document {DocumentId}): it can never be applied: {Reason}")]
    public static partial void ProjectionSkipped(ILogger logger, string stage, string topic, int partition, long offset, string documentId, string reason);

    [LoggerMessage(17, LogLevel.Error, "Stage {Stage} stopped waiting for document {DocumentId} after its time limit of {Limit}; the attempt is abandoned and may still be running")]
    public static partial void Abandoned(ILogger logger, string stage, string documentId, TimeSpan limit);

    [LoggerMessage(18, LogLevel.Warning, "Stage {Stage} could not use its attempt journal; the record is handled without crash-loop protection")]
    public static partial void JournalFailed(ILogger logger, Exception exception, string stage);

    [LoggerMessage(19, LogLevel.Error, "Stage {Stage}: {Deaths} processes died while handling document {DocumentId} ({Topic}[{Partition}]@{Offset}); it is not handled again")]
    public static partial void CrashLoop(ILogger logger, string stage, string documentId, int deaths, string topic, int partition, long offset);
}
