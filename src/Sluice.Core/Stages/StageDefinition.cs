using Sluice.Core.Events;

namespace Sluice.Core.Stages;

/// <summary>Which parallelism setting bounds how many records a stage handles at once.</summary>
public enum StageParallelism
{
    /// <summary>The general setting (<c>Sluice:StageParallelism</c>): CPU-bound or store-bound work.</summary>
    Stage,

    /// <summary>The embedder's setting (<c>Sluice:EmbedParallelism</c>): calls merged into shared embedder batches.</summary>
    Embed,

    /// <summary>The embedder's setting, raised to the LLM's concurrency when summaries come from an LLM.</summary>
    Summarize,

    /// <summary>The webhook deliveries' own bound (<c>Sluice:Webhooks:MaxConcurrency</c>): requests waiting on receivers.</summary>
    Webhooks,
}

/// <summary>What a stage is to a document: part of its pipeline, a projection of its events, or a consumer beside it.</summary>
public enum StageKind
{
    /// <summary>A document passes through it: it reports status, and all pipeline stages must succeed for the document to be completed.</summary>
    Pipeline,

    /// <summary>
    /// Folds events into a store that others read: it never skips an event it has not applied, so it has neither retry
    /// topics (they would reorder its events) nor a dead-letter topic; a failing store stalls it instead.
    /// </summary>
    Projection,

    /// <summary>
    /// Works beside the pipeline on events derived from it (webhook deliveries): it retries through retry topics and
    /// dead-letters like a pipeline stage, but a document completes without it and it reports no document status.
    /// </summary>
    Beside,
}

/// <summary>
/// One stage of the pipeline as the runtime and every adapter see it: what it reads, what it writes, how it scales
/// and how it fails. Hosts build runners from it and event logs provision its topics from it, so no adapter or host
/// restates a stage's shape.
/// </summary>
/// <param name="Name">The stage's name: also its consumer group and the key of its status.</param>
/// <param name="InputTopic">The one topic the stage consumes (besides its own retry topics).</param>
/// <param name="Outputs">The event topics it publishes to (status events aside: see <paramref name="ReportsStatus"/>).</param>
/// <param name="Parallelism">Which setting bounds its records in flight.</param>
/// <param name="ReportsStatus">Whether it publishes stage status events to <see cref="Topics.DocumentsStatus"/>.</param>
/// <param name="Kind">Whether it is part of the document pipeline, a projection, or a consumer beside the pipeline.</param>
public sealed record StageDefinition(
    string Name,
    string InputTopic,
    IReadOnlyList<string> Outputs,
    StageParallelism Parallelism,
    bool ReportsStatus,
    StageKind Kind)
{
    /// <summary>Whether it is a <see cref="StageKind.Projection"/>: no retry topics, no dead-letter topic, never skips.</summary>
    public bool IsProjection => Kind == StageKind.Projection;

    /// <summary>
    /// The stage's retry tiers given the configured ones (<c>Sluice:RetryDelays</c>): all of them for a pipeline stage or one
    /// beside the pipeline (a transient failure waits on each tier in turn, then is dead-lettered), none for a projection (it retries in
    /// place and never gives up).
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays(IReadOnlyList<TimeSpan> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        return IsProjection ? [] : configured;
    }

    /// <summary>The stage's retry topics, one per distinct tier (<see cref="Topics.Retry"/>); none for a projection.</summary>
    public IReadOnlyList<string> RetryTopics(IReadOnlyList<TimeSpan> configured)
        => [.. RetryDelays(configured).Select(delay => Topics.Retry(Name, delay)).Distinct(StringComparer.Ordinal)];

    /// <summary>Where the stage parks what it gives up on (<see cref="Topics.DeadLetter"/>); null for a projection.</summary>
    public string? DeadLetterTopic => IsProjection ? null : Topics.DeadLetter(Name);
}
