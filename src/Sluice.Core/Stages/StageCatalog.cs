using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Stages;

/// <summary>
/// The pipeline as a model: every stage Sluice runs (<see cref="StageDefinition"/>) and the topics that follow from
/// them. Hosts build their stage runners from it, event logs are provisioned from <see cref="TopicSpecs"/>, the
/// dead-letter view reads <see cref="DeadLetterTopics"/>, and the status fold takes <see cref="PipelineNames"/>: one
/// place to change when a stage is added, and nothing for a new adapter to copy.
/// </summary>
public static class StageCatalog
{
    public static StageDefinition Extract { get; } = new(
        StageNames.Extract, Topics.DocumentsSubmitted, [Topics.DocumentsExtracted], StageParallelism.Stage, ReportsStatus: true, Kind: StageKind.Pipeline);

    public static StageDefinition Chunk { get; } = new(
        StageNames.Chunk, Topics.DocumentsExtracted, [Topics.ChunksCreated], StageParallelism.Stage, ReportsStatus: true, Kind: StageKind.Pipeline);

    public static StageDefinition Embed { get; } = new(
        StageNames.Embed, Topics.ChunksCreated, [Topics.ChunksEmbedded], StageParallelism.Embed, ReportsStatus: true, Kind: StageKind.Pipeline);

    public static StageDefinition Index { get; } = new(
        StageNames.Index, Topics.ChunksEmbedded, [Topics.DocumentsIndexed], StageParallelism.Stage, ReportsStatus: true, Kind: StageKind.Pipeline);

    public static StageDefinition Summarize { get; } = new(
        StageNames.Summarize, Topics.DocumentsExtracted, [Topics.DocumentsSummarized], StageParallelism.Summarize, ReportsStatus: true, Kind: StageKind.Pipeline);

    /// <summary>Folds status events into the status store; it reports no status of its own (it would feed itself).</summary>
    public static StageDefinition StatusProjection { get; } = new(
        StageNames.StatusProjection, Topics.DocumentsStatus, [], StageParallelism.Stage, ReportsStatus: false, Kind: StageKind.Projection);

    /// <summary>
    /// Delivers webhooks (one delivery event per subscription and status change, produced by the relay in the API
    /// process). Beside the pipeline: its failures wait in its retry tiers and end in its dead-letter topic, but a
    /// document completes without it, and a slow receiver occupies only this consumer group.
    /// </summary>
    public static StageDefinition Webhooks { get; } = new(
        StageNames.Webhooks, Topics.WebhookDeliveries, [], StageParallelism.Webhooks, ReportsStatus: false, Kind: StageKind.Beside);

    /// <summary>Every stage, pipeline stages first in the order a document passes them.</summary>
    public static IReadOnlyList<StageDefinition> All { get; } = [Extract, Chunk, Embed, Index, Summarize, StatusProjection, Webhooks];

    /// <summary>The stages a document passes through (<see cref="StageKind.Pipeline"/>); all must succeed for it to be completed.</summary>
    public static IReadOnlyList<StageDefinition> Pipeline { get; } = [.. All.Where(s => s.Kind == StageKind.Pipeline)];

    /// <summary>The names of <see cref="Pipeline"/>, in order.</summary>
    public static IReadOnlyList<string> PipelineNames { get; } = [.. Pipeline.Select(s => s.Name)];

    /// <summary>The names of <see cref="All"/>: what <c>Sluice:Stages</c> may list.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(s => s.Name)];

    /// <summary>The topic status events travel on; compacted, since only a document's newest events matter once old.</summary>
    public static string StatusTopic => Topics.DocumentsStatus;

    /// <summary>
    /// The event topics: every stage's input and outputs, and the status topic when a stage reports status, each once,
    /// in the order the stages list them.
    /// </summary>
    public static IReadOnlyList<string> EventTopics { get; } =
    [
        .. All.SelectMany(s => s.ReportsStatus ? [s.InputTopic, .. s.Outputs, StatusTopic] : (IEnumerable<string>)[s.InputTopic, .. s.Outputs])
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>Every stage's dead-letter topic (projections have none), in stage order.</summary>
    public static IReadOnlyList<string> DeadLetterTopics { get; } = [.. All.Select(s => s.DeadLetterTopic).OfType<string>()];

    /// <summary>The names of the stages that dead-letter (every one but the projections): what a dead letter's stage may be.</summary>
    public static IReadOnlyList<string> DeadLetterStageNames { get; } = [.. All.Where(s => s.DeadLetterTopic is not null).Select(s => s.Name)];

    /// <summary>The stage named <paramref name="name"/>, or null when no stage has that name.</summary>
    public static StageDefinition? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The stage named <paramref name="name"/>; an unknown name is an argument error naming the known stages.</summary>
    public static StageDefinition Get(string name)
        => Find(name) ?? throw new ArgumentException($"Unknown stage '{name}'. Known stages: {string.Join(", ", Names)}.", nameof(name));

    /// <summary>
    /// Every topic the pipeline needs, <paramref name="partitions"/> partitions each, kept for
    /// <paramref name="retention"/>: the <see cref="EventTopics"/> (the status topic compacted), then for each stage its
    /// retry topics (one per distinct tier of <paramref name="retryDelays"/>) and its dead-letter topic.
    /// </summary>
    public static IReadOnlyList<TopicSpec> TopicSpecs(int partitions, TimeSpan retention, IReadOnlyList<TimeSpan> retryDelays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentNullException.ThrowIfNull(retryDelays);
        var stageTopics = All.SelectMany(s => s.DeadLetterTopic is { } dlq ? [.. s.RetryTopics(retryDelays), dlq] : s.RetryTopics(retryDelays));
        return
        [
            .. EventTopics.Select(t => new TopicSpec(t, partitions, retention) { Compacted = t == StatusTopic }),
            .. stageTopics.Select(t => new TopicSpec(t, partitions, retention)),
        ];
    }
}
