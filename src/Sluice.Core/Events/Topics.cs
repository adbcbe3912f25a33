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

    public static IReadOnlyList<string> All { get; } =
        [DocumentsSubmitted, DocumentsExtracted, ChunksCreated, ChunksEmbedded, DocumentsIndexed, DocumentsSummarized, DocumentsStatus];
}

/// <summary>Well-known record header names.</summary>
public static class Headers
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string EventType = "sluice-event-type";
    public const string EventId = "sluice-event-id";
}
