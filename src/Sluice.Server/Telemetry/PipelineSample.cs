using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Server.Telemetry;

/// <summary>
/// One look at the whole pipeline, taken by <see cref="PipelineSampler"/> every <see cref="LagOptions.LagInterval"/>:
/// what the gauges of <see cref="OperationsMetrics"/>, <c>GET /v1/pipeline</c> and the completion estimates read.
/// </summary>
/// <param name="At">When it was taken.</param>
/// <param name="Interval">The sampling interval.</param>
/// <param name="Stages">Every stage of <see cref="StageCatalog.All"/>, in catalog order.</param>
/// <param name="Counts">Documents by state and stages at work; null when the status store could not be read.</param>
/// <param name="InProgress">The newest unfinished documents of every tenant.</param>
public sealed record PipelineSample(
    DateTimeOffset At, TimeSpan Interval, IReadOnlyList<StageSample> Stages, StatusCounts? Counts, IReadOnlyList<DocumentStatus> InProgress)
{
    /// <summary>The sample of <paramref name="stage"/>, or null when it has none.</summary>
    public StageSample? Find(string stage) => Stages.FirstOrDefault(s => string.Equals(s.Stage.Name, stage, StringComparison.Ordinal));
}

/// <summary>One stage in a <see cref="PipelineSample"/>.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Partitions">Its consumer group's position on its input topic, per partition; null when the log could not be read.</param>
/// <param name="ThroughputPerSecond">
/// Records its group got past per second between the previous sample and this one (the sum of the partitions' resume
/// positions, <c>End - Lag</c>, moved forward); null on the first sample or when either sample lacks the lag.
/// </param>
/// <param name="RetryWaiting">Records waiting on each retry tier (<c>10s</c>, <c>1m</c>…): the retry group's lag there; null when unknown.</param>
/// <param name="DeadLetters">Dead letters of the stage still parked; null for a stage without a dead-letter topic, or when unknown.</param>
/// <param name="OldestUnreadAt">When the oldest record the group has still to read was written; null when none waits (or none could be read).</param>
public sealed record StageSample(
    StageDefinition Stage,
    IReadOnlyList<PartitionLag>? Partitions,
    double? ThroughputPerSecond,
    IReadOnlyDictionary<string, long>? RetryWaiting,
    long? DeadLetters,
    DateTimeOffset? OldestUnreadAt)
{
    /// <summary>The consumer group (the stage's name).</summary>
    public string Group => Stage.Name;

    /// <summary>Records the group has still to read on its input topic; null when unknown.</summary>
    public long? Lag => Partitions?.Sum(p => p.Lag);

    /// <summary>Where the group is on its input topic: the sum of the partitions' resume positions.</summary>
    internal long? Consumed => Partitions?.Sum(p => p.End - p.Lag);

    /// <summary>Age of <see cref="OldestUnreadAt"/> at <paramref name="now"/>, in seconds; 0 when nothing waits.</summary>
    public double OldestAgeSeconds(DateTimeOffset now)
        => OldestUnreadAt is { } at && Lag > 0 ? Math.Max(0, (now - at).TotalSeconds) : 0;
}
