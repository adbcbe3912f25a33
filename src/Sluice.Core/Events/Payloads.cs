namespace Sluice.Core.Events;

/// <summary>Payload of <see cref="Topics.DocumentsSubmitted"/>: an upload was stored and accepted.</summary>
/// <param name="Source">The uploaded bytes.</param>
/// <param name="FileName">Sanitised file name as shown to users.</param>
/// <param name="Format">Format detected by content sniffing at upload (e.g. <c>pdf</c>, <c>text</c>).</param>
public sealed record DocumentSubmitted(BlobReference Source, string FileName, string Format);

/// <summary>Where a page starts in the extracted text (UTF-16 code unit offset).</summary>
public sealed record PageStart(int Page, int Offset);

/// <summary>Payload of <see cref="Topics.DocumentsExtracted"/>: plain text is available by reference.</summary>
/// <param name="Source">The original upload.</param>
/// <param name="Text">UTF-8 plain text extracted from it.</param>
/// <param name="Format">Detected format.</param>
/// <param name="Characters">Length of the text in UTF-16 code units.</param>
/// <param name="Pages">Page starts, when the format has pages.</param>
public sealed record DocumentExtracted(
    BlobReference Source, BlobReference Text, string Format, int Characters, IReadOnlyList<PageStart>? Pages);

/// <summary>
/// Payload of <see cref="Topics.ChunksCreated"/>: the chunk batch (JSON lines) by reference. A large document's chunks
/// travel in several such events, one per batch, each marked with its <see cref="EventEnvelope.Part"/>.
/// </summary>
public sealed record ChunksCreated(BlobReference Chunks, int Count);

/// <summary>
/// Which of a document's batches an event carries: <paramref name="Index"/> (0-based) of <paramref name="Count"/>. Set
/// by <c>chunk</c> on each batch of a document cut into more than one, and carried unchanged by every event that follows
/// from it (embedded vectors, retries, dead letters, replays) and by the status each stage reports for it, so that the
/// status projection can count the batches done per document and stage (see <c>StatusFold</c>).
/// </summary>
public sealed record EventPart(int Index, int Count)
{
    /// <summary>Whether the part can be one of a set: an index within a count of at least two.</summary>
    public bool IsValid => Count > 1 && Index >= 0 && Index < Count;
}

/// <summary>Lifecycle of one stage for one document.</summary>
public enum StageState
{
    Pending,
    Running,

    /// <summary>
    /// An attempt failed transiently and the next one waits until <see cref="StageStatusChanged.NextAttemptAt"/>
    /// (on a retry topic, or in place); not terminal. The error is the failed attempt's.
    /// </summary>
    Retrying,

    Succeeded,
    Failed,

    /// <summary>Failed for good and parked on the stage's dead-letter topic, from where it can be replayed.</summary>
    DeadLettered,
}

/// <summary>Payload of <see cref="Topics.DocumentsStatus"/>: a stage reports on a document.</summary>
/// <param name="Stage">Stage name, e.g. <c>extract</c>.</param>
/// <param name="State">New state.</param>
/// <param name="Attempt">1-based attempt number within the current delivery.</param>
/// <param name="Error">Reason, when failed or retrying.</param>
/// <param name="Progress">0..1 while running, when the stage can tell.</param>
/// <param name="Facts">Counts a stage learned, e.g. <c>chunks</c>.</param>
/// <param name="Blobs">Blobs the stage wrote for the document (removed when the document is deleted).</param>
/// <param name="NextAttemptAt">When retrying: the next attempt's not-before time.</param>
/// <param name="ErrorType">With an error: <c>transient</c> or <c>permanent</c>, as in a dead letter's headers.</param>
/// <param name="Resumed">
/// With <see cref="StageState.Running"/>: the attempt that a <see cref="StageState.Retrying"/> report paused (the
/// provider's circuit was open) goes on; not a new attempt.
/// </param>
/// <param name="Part">The batch of the document the report is about, when the stage works on it batch by batch.</param>
public sealed record StageStatusChanged(
    string Stage,
    StageState State,
    int Attempt,
    string? Error = null,
    double? Progress = null,
    IReadOnlyDictionary<string, long>? Facts = null,
    IReadOnlyList<BlobReference>? Blobs = null,
    DateTimeOffset? NextAttemptAt = null,
    string? ErrorType = null,
    bool Resumed = false,
    EventPart? Part = null);

/// <summary>One chunk of a document's text, as stored and as carried in a chunk batch.</summary>
/// <param name="Id">Deterministic id derived from the document id, index and text.</param>
/// <param name="DocumentId">Owning document.</param>
/// <param name="Index">0-based position within the document.</param>
/// <param name="Text">Chunk text.</param>
/// <param name="Start">Start offset in the extracted text (UTF-16 code units, inclusive).</param>
/// <param name="End">End offset in the extracted text (exclusive).</param>
/// <param name="Page">1-based page of <see cref="Start"/>, when known.</param>
/// <param name="Tokens">Word-piece count of the text (without special tokens).</param>
public sealed record Chunk(string Id, string DocumentId, int Index, string Text, int Start, int End, int? Page, int Tokens);

/// <summary>Payload of <see cref="Topics.ChunksEmbedded"/>: the chunk batch and its vectors, by reference.</summary>
/// <param name="Chunks">The chunk batch (JSON lines) the vectors belong to.</param>
/// <param name="Vectors">Little-endian float32 vectors, <paramref name="Count"/> × <paramref name="Dimensions"/>, in chunk order.</param>
/// <param name="Count">Number of chunks (and vectors).</param>
/// <param name="Embedder">Name of the embedding model.</param>
/// <param name="EmbedderVersion">Adapter and model version.</param>
/// <param name="Dimensions">Vector length.</param>
public sealed record ChunksEmbedded(
    BlobReference Chunks, BlobReference Vectors, int Count, string Embedder, string EmbedderVersion, int Dimensions);

/// <summary>Payload of <see cref="Topics.DocumentsIndexed"/>: the document's chunks are searchable.</summary>
public sealed record DocumentIndexed(int Count, string Embedder);

/// <summary>Payload of <see cref="Topics.DocumentsSummarized"/>.</summary>
public sealed record DocumentSummarized(string Summarizer, int Characters);

/// <summary>A document's summary and what made it.</summary>
public sealed record Summary(string DocumentId, string Text, string Summarizer, DateTimeOffset CreatedAt);
