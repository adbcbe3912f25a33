namespace Sluice.Core.Events;

/// <summary>
/// Topic names. One topic per event kind, keyed by document id, so that all events of a document
/// land on one partition, in order.
/// </summary>
public static class Topics
{
    public const string DocumentsSubmitted = "documents.submitted";
    public const string DocumentsExtracted = "documents.extracted";
    public const string ChunksCreated = "chunks.created";
    public const string ChunksEmbedded = "chunks.embedded";
    public const string DocumentsIndexed = "documents.indexed";
    public const string DocumentsSummarized = "documents.summarized";
    public const string DocumentsStatus = "documents.status";

    /// <summary>One event per webhook subscription and status change, keyed by document id: what the <c>webhooks</c> stage delivers.</summary>
    public const string WebhookDeliveries = "webhooks.deliveries";

    public static IReadOnlyList<string> All { get; } =
        [DocumentsSubmitted, DocumentsExtracted, ChunksCreated, ChunksEmbedded, DocumentsIndexed, DocumentsSummarized, DocumentsStatus, WebhookDeliveries];

    /// <summary>
    /// A stage's own retry topic for one delay tier, e.g. <c>embed.retry.10s</c>: per consumer group (not per
    /// input topic), because one input topic fans out to several stages and only the failing one must retry.
    /// </summary>
    public static string Retry(string stage, TimeSpan delay) => $"{stage}.retry.{DelayName(delay)}";

    /// <summary>A stage's dead-letter topic, e.g. <c>embed.dlq</c>.</summary>
    public static string DeadLetter(string stage) => $"{stage}.dlq";

    /// <summary><c>10s</c>, <c>1m</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>: the largest whole unit.</summary>
    public static string DelayName(TimeSpan delay) => delay switch
    {
        { TotalDays: >= 1 } when delay.TotalDays == Math.Floor(delay.TotalDays) => $"{delay.TotalDays:0}d",
        { TotalHours: >= 1 } when delay.TotalHours == Math.Floor(delay.TotalHours) => $"{delay.TotalHours:0}h",
        { TotalMinutes: >= 1 } when delay.TotalMinutes == Math.Floor(delay.TotalMinutes) => $"{delay.TotalMinutes:0}m",
        _ => $"{Math.Max(1, Math.Ceiling(delay.TotalSeconds)):0}s",
    };
}

/// <summary>Well-known record header names.</summary>
public static class Headers
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string EventType = "sluice-event-type";
    public const string EventId = "sluice-event-id";

    /// <summary>Failed attempts so far, on retry and dead-letter records.</summary>
    public const string Attempts = "sluice-attempts";

    /// <summary>Unix milliseconds before which a retry record must not be handled.</summary>
    public const string NotBefore = "sluice-not-before";

    /// <summary>Where the record was first consumed from (retry and dead-letter records).</summary>
    public const string OriginalTopic = "sluice-original-topic";
    public const string OriginalPartition = "sluice-original-partition";
    public const string OriginalOffset = "sluice-original-offset";
    public const string ConsumerGroup = "sluice-consumer-group";
    public const string DocumentId = "sluice-document-id";

    /// <summary>ISO 8601 times of the first and the last failure.</summary>
    public const string FirstFailureAt = "sluice-first-failure-at";
    public const string FailedAt = "sluice-failed-at";

    /// <summary>The last failure: <c>transient</c>/<c>permanent</c>/<c>invalid-event</c> and its reason (truncated).</summary>
    public const string ErrorType = "sluice-error-type";
    public const string ErrorMessage = "sluice-error-message";

    /// <summary>How many times the record was replayed from a dead-letter topic.</summary>
    public const string ReplayCount = "sluice-replay-count";

    /// <summary>
    /// On retry and dead-letter records (and so on replays): the W3C <c>traceparent</c> of the span of the attempt that
    /// failed. The next attempt's span links to it, while <see cref="TraceParent"/> keeps the record in its document's trace.
    /// </summary>
    public const string FailedAttempt = "sluice-failed-attempt";
}
