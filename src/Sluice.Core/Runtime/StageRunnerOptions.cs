using System.ComponentModel.DataAnnotations;
using Sluice.Core.Health;
using Sluice.Core.Ports;

namespace Sluice.Core.Runtime;

/// <summary>How a stage consumes: parallelism, in-flight bounds, commits, retries and shutdown.</summary>
public sealed class StageRunnerOptions
{
    /// <summary>
    /// Records handled at once. Records of one key (document) always go to the same lane, in order,
    /// so parallelism never reorders a document's events.
    /// </summary>
    [Range(1, 1024)]
    public int MaxParallelism { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>In-flight records per partition before the partition is paused (polling goes on).</summary>
    [Range(1, 100_000)]
    public int MaxInFlightPerPartition { get; set; } = 32;

    /// <summary>Longest wait of one poll; bounds how late completions are committed and partitions resumed.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often finished offsets are committed (also on revoke and shutdown).</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Delays of the stage's retry topics (<see cref="Events.Topics.Retry"/>), one tier per failed attempt; past the
    /// last tier, or on a permanent failure, the record goes to the stage's dead-letter topic. Empty: transient
    /// failures retry in place (<see cref="MaxAttempts"/>) and failures are only reported, never dead-lettered.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>Longest dead-letter error message kept in the record's headers.</summary>
    public int MaxErrorMessageLength { get; set; } = 1000;

    /// <summary>Attempts of a transient failure, in place, before the document fails (without retry topics).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 4;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long in-flight work may finish before it is abandoned (and redelivered later).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Foreground work (uploads being acknowledged) in this process that the stage yields to before each fetch;
    /// null for none.
    /// </summary>
    public ForegroundActivity? Foreground { get; set; }

    /// <summary>Longest the stage holds off one fetch for <see cref="Foreground"/> work, so it keeps moving under sustained load.</summary>
    public TimeSpan MaxYield { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Least time between two progress reports of one record.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Whether the runner publishes stage status events (off for the status projection itself).</summary>
    public bool ReportStatus { get; set; } = true;

    /// <summary>
    /// This consumer is a projection (it folds events into a store that others read): it never gives up on an event
    /// it has not applied and never commits past one. A failing store stalls it, retrying in place with backoff up to
    /// <see cref="MaxBackoff"/> for as long as it takes, reporting itself to <see cref="Readiness"/> until it applies
    /// the event. Only an event that can never apply (not an event, a payload that does not deserialize, a permanent
    /// failure) is skipped, logged as an error and counted. <see cref="MaxAttempts"/> does not apply; a projection
    /// has no retry topics (they would reorder its events) and no crash journal.
    /// </summary>
    public bool IsProjection { get; set; }

    /// <summary>Where a stalled projection reports that the process is not ready; null for nowhere.</summary>
    public ReadinessSignals? Readiness { get; set; }

    /// <summary>
    /// Longest one attempt at one record may take. At the limit the stage's cancellation token is cancelled and the
    /// record fails permanently (dead-lettered, with the limit as reason); a stage that does not stop is abandoned,
    /// not waited for. For a projection it is a transient failure. Infinite by default.
    /// </summary>
    public TimeSpan TimeLimit { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Notes each record before it is handled, so that one whose handling keeps killing the process is recognised
    /// when it comes back (see <see cref="MaxWorkerDeaths"/>); null for no crash-loop protection.
    /// </summary>
    public IAttemptJournal? AttemptJournal { get; set; }

    /// <summary>
    /// How many times a process may die while handling the same record; the next start dead-letters it ("the worker
    /// died while handling this document") instead of handling it again.
    /// </summary>
    [Range(1, 100)]
    public int MaxWorkerDeaths { get; set; } = 2;

    /// <summary>Where the runner counts records by outcome, times them and tracks those in hand.</summary>
    public PipelineMetrics Metrics { get; set; } = PipelineMetrics.Shared;

    /// <summary>
    /// The <c>messaging.system</c> of the runner's spans: <c>kafka</c> on Kafka, <see cref="EventRecords.EmbeddedLogSystem"/>
    /// on the embedded log.
    /// </summary>
    public string MessagingSystem { get; set; } = EventRecords.EmbeddedLogSystem;
}
