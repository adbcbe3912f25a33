using Sluice.Core.Health;

namespace Sluice.Embedded;

/// <summary>
/// Hands the embedded log's retention losses (the hard cap deleted records a consumer group had not read) to the
/// process's <see cref="ReadinessSignals"/>. The loss cannot be undone, so the report stays until the process
/// restarts: an operator has to look at it (the error in the log names the topic, partition and groups) and
/// acknowledge it by restarting, instead of it flickering past between two health checks.
/// </summary>
public static class RetentionLossReporting
{
    public const string Component = "event-log-retention";

    public static SqliteEventLog Wire(SqliteEventLog log, ReadinessSignals readiness, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(time);
        long total = 0;
        log.UnconsumedRecordsDeleted += loss =>
        {
            var lost = Interlocked.Add(ref total, loss.Count);
            readiness.Report(
                Component,
                $"Retention's hard cap (Sluice:EmbeddedLog:MaxRetention) deleted {lost} record(s) that consumer groups had not read; " +
                $"latest: {loss.Count} on {loss.Topic}[{loss.Partition}], unread by {string.Join(", ", loss.Groups)}. See the error log; restart to clear.",
                time.GetUtcNow());
        };
        return log;
    }
}
