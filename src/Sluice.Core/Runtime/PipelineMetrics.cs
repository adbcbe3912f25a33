using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sluice.Core.Runtime;

/// <summary>
/// The stage runtime's instruments (meter <c>Sluice.Pipeline</c>, the name of the pipeline's activity source too):
/// records handled per stage by outcome, how long handling took, and how many records are in hand right now.
/// Hosts create one through their <see cref="IMeterFactory"/> (so that each host's measurements can be told apart);
/// <see cref="Shared"/> serves runners built without one.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "Sluice.Pipeline";

    private readonly Counter<long> _records;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly UpDownCounter<long> _pausedPartitions;

    /// <summary>Instruments on a meter of their own, for runners built without a meter factory.</summary>
    public static PipelineMetrics Shared { get; } = new(new Meter(MeterName));

    public PipelineMetrics(IMeterFactory meterFactory)
        : this((meterFactory ?? throw new ArgumentNullException(nameof(meterFactory))).Create(MeterName))
    {
    }

    private PipelineMetrics(Meter meter)
    {
        _records = meter.CreateCounter<long>(
            "sluice.stage.records", unit: "{record}", description: "Records a stage finished handling, by outcome.");
        _duration = meter.CreateHistogram<double>(
            "sluice.stage.duration", unit: "s", description: "How long a stage took to handle one record (all its in-place attempts), by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });
        _inFlight = meter.CreateUpDownCounter<long>(
            "sluice.stage.in_flight", unit: "{record}", description: "Records a stage is handling right now.");
        _pausedPartitions = meter.CreateUpDownCounter<long>(
            "sluice.stage.paused_partitions", unit: "{partition}",
            description: "Partitions a stage has paused fetching from (back-pressure, retries not due yet, an open provider circuit).");
    }

    /// <summary><paramref name="delta"/> partitions were paused (positive) or resumed, revoked or closed while paused (negative).</summary>
    internal void PausedPartitions(string stage, int delta)
    {
        if (delta != 0)
        {
            _pausedPartitions.Add(delta, new KeyValuePair<string, object?>("sluice.stage", stage));
        }
    }

    /// <summary>A record was taken in hand.</summary>
    internal void Started(string stage) => _inFlight.Add(1, new KeyValuePair<string, object?>("sluice.stage", stage));

    /// <summary>A record taken in hand at <paramref name="elapsed"/> ago is finished (or handed back on shutdown).</summary>
    internal void Finished(string stage, StageOutcome outcome, TimeSpan elapsed)
    {
        _inFlight.Add(-1, new KeyValuePair<string, object?>("sluice.stage", stage));
        if (outcome == StageOutcome.Abandoned)
        {
            return;
        }

        var tags = new TagList
        {
            { "sluice.stage", stage },
            { "outcome", Name(outcome) },
        };
        _records.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    internal static string Name(StageOutcome outcome) => outcome switch
    {
        StageOutcome.Succeeded => "succeeded",
        StageOutcome.Retried => "retried",
        StageOutcome.DeadLettered => "dead_lettered",
        StageOutcome.Failed => "failed",
        StageOutcome.Skipped => "skipped",
        _ => "unknown",
    };
}

/// <summary>How the runtime finished with one delivery of a record.</summary>
internal enum StageOutcome
{
    /// <summary>Handed back on shutdown: it will be delivered again; not counted.</summary>
    Abandoned,

    /// <summary>The stage succeeded and its outputs were published.</summary>
    Succeeded,

    /// <summary>It failed transiently and went to the next retry topic.</summary>
    Retried,

    /// <summary>It went to the stage's dead-letter topic.</summary>
    DeadLettered,

    /// <summary>It failed for good without retry topics to park it on (the document is failed).</summary>
    Failed,

    /// <summary>A projection skipped an event that can never apply, or a poison record was passed over.</summary>
    Skipped,
}
