using Sluice.Core.Events;

namespace Sluice.Core.Ports;

/// <summary>Overall state of a document, derived from its stages.</summary>
public enum DocumentState
{
    Accepted,
    Processing,
    Completed,
    Failed,

    /// <summary>A stage dead-lettered the document (terminal until replayed; see the error for stage and reason).</summary>
    DeadLettered,
}

/// <summary>What the API knows of a document when it is accepted.</summary>
/// <remarks><c>Revision</c> starts at 1 and grows each time a deleted document is uploaded again, so the new
/// run's event ids differ from the deleted run's.</remarks>
public sealed record DocumentRecord(
    string Id,
    string Tenant,
    string FileName,
    string ContentType,
    string Format,
    BlobReference Source,
    DateTimeOffset AcceptedAt,
    int Revision = 1);

/// <summary>A deleted document. Its blobs are queued as <see cref="BlobGarbage"/> in the same transaction.</summary>
public sealed record DocumentDeletion(DocumentRecord Document);

/// <summary>Where an event's document revision stands against the document as the status store knows it.</summary>
public enum RevisionState
{
    /// <summary>The document is live at this revision.</summary>
    Current,

    /// <summary>The store has no such document (never registered here, or its tombstone was pruned long after).</summary>
    Unknown,

    /// <summary>The document was deleted and uploaded again: a newer revision is live.</summary>
    Superseded,

    /// <summary>The document is deleted.</summary>
    Deleted,
}

/// <summary>
/// A blob that may have become garbage: a single blob (checked against every live reference before it is removed)
/// or every blob of one document revision (<see cref="Owner"/>, never shared).
/// </summary>
public sealed record BlobGarbage(string Key, BlobReference? Blob, BlobOwner? Owner);

/// <summary>One stage's view of a document.</summary>
/// <param name="State">Where the stage is.</param>
/// <param name="Attempts">Attempts started, over every delivery.</param>
/// <param name="StartedAt">Start of the latest attempt.</param>
/// <param name="FinishedAt">When it succeeded, failed or was dead-lettered.</param>
/// <param name="Error">Why it failed or was dead-lettered; while retrying, why the last attempt failed.</param>
/// <param name="Progress">0..1 of the running attempt, when the stage can tell.</param>
/// <param name="NextAttemptAt">While retrying: the next attempt's not-before time.</param>
/// <param name="ErrorType">With an error: <c>transient</c> or <c>permanent</c>.</param>
/// <param name="Parts">
/// When the stage works on the document batch by batch: each batch's own status, from which the others are derived
/// (see <c>StatusFold</c>); null otherwise. Stores keep it with the stage.
/// </param>
public sealed record StageStatus(
    StageState State,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    double? Progress,
    DateTimeOffset? NextAttemptAt = null,
    string? ErrorType = null,
    StageParts? Parts = null);

/// <summary>A stage's status per batch of a document cut into <paramref name="Count"/> batches.</summary>
/// <param name="Count">How many batches the document was cut into.</param>
/// <param name="Batches">The status of each batch the stage reported on, by 0-based batch index; the others have not reached it yet.</param>
public sealed record StageParts(int Count, IReadOnlyDictionary<int, StageStatus> Batches)
{
    /// <summary>Batches that succeeded.</summary>
    public int Done => Batches.Values.Count(b => b.State == StageState.Succeeded);
}

/// <summary>The stage and reason of a failure.</summary>
public sealed record DocumentError(string Stage, string Reason);

/// <summary>The status projection's view of a document.</summary>
public sealed record DocumentStatus(
    DocumentRecord Document,
    DocumentState State,
    DocumentError? Error,
    int? Chunks,
    IReadOnlyDictionary<string, StageStatus> Stages,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The earliest next attempt of the stages that wait to retry; null when none does.</summary>
    public DateTimeOffset? NextAttemptAt => Stages.Values
        .Where(s => s.State == StageState.Retrying && s.NextAttemptAt is not null)
        .Min(s => s.NextAttemptAt);
}

/// <summary>A page of results; <see cref="Next"/> is the cursor of the next page, if any.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// The status projection: registered documents and the per-stage state folded from status events.
/// Applying the same event twice has no further effect.
/// </summary>
public interface IStatusStore
{
    /// <summary>
    /// Registers a document unless it exists; returns the stored status and whether it was created. A deleted
    /// document is registered again with the next revision.
    /// </summary>
    Task<(DocumentStatus Status, bool Created)> RegisterAsync(DocumentRecord document, CancellationToken cancellationToken = default);

    Task<DocumentStatus?> GetAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>Lists documents newest first.</summary>
    Task<Page<DocumentStatus>> ListAsync(string tenant, int limit, string? cursor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Folds a stage status event in; returns false when the event id was applied before or the document is deleted.
    /// </summary>
    Task<bool> ApplyAsync(EventEnvelope statusEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the document deleted (it disappears from get and list) and returns it with the blobs that no
    /// other live document references; null when it does not exist or was deleted already.
    /// </summary>
    Task<DocumentDeletion?> DeleteAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>True when the document was deleted (and not uploaded again since).</summary>
    Task<bool> IsDeletedAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>Whether work for <paramref name="revision"/> of the document is still wanted (see <see cref="RevisionState"/>).</summary>
    Task<RevisionState> GetRevisionStateAsync(string documentId, int revision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <paramref name="limit"/> queued blob garbage to remove, in one transaction: a single blob that a
    /// live document references again is dropped from the queue instead (it is not garbage), the others are marked
    /// condemned and returned. The caller deletes them and then calls <see cref="ReleaseBlobGarbageAsync"/>. Entries
    /// condemned longer than <paramref name="staleAfter"/> ago (a collector that died halfway) are taken again.
    /// </summary>
    Task<IReadOnlyList<BlobGarbage>> ClaimBlobGarbageAsync(int limit, TimeSpan staleAfter, CancellationToken cancellationToken = default);

    /// <summary>Forgets garbage whose blobs were deleted.</summary>
    Task ReleaseBlobGarbageAsync(IReadOnlyList<BlobGarbage> removed, CancellationToken cancellationToken = default);

    /// <summary>
    /// True while the blob at <paramref name="uri"/> is condemned: a collector decided it was garbage and may be deleting
    /// it. An upload that registered a reference to the same bytes waits until this is false and then writes the
    /// bytes again if they are gone.
    /// </summary>
    Task<bool> IsBlobCondemnedAsync(string uri, CancellationToken cancellationToken = default);

    /// <summary>Blob garbage still queued or condemned.</summary>
    Task<int> CountBlobGarbageAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What <paramref name="tenant"/> stores now: its live (not deleted) documents and the sum of their uploads' sizes
    /// (<see cref="BlobReference.Size"/> of each source). Storage quotas are checked against it before an upload is
    /// registered, so it reads the tenant's own rows only, by index, never other tenants'.
    /// </summary>
    Task<TenantUsage> GetUsageAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Live documents by state, and the pipeline stages at work on live documents (<see cref="StageState.Running"/> or
    /// <see cref="StageState.Retrying"/>) by stage and state: what monitoring samples every few seconds, so it is
    /// answered from indexes, never by reading documents.
    /// </summary>
    Task<StatusCounts> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> live documents that are not done yet (<see cref="DocumentState.Accepted"/> or
    /// <see cref="DocumentState.Processing"/>), newest first, of every tenant: what the pipeline view shows an
    /// administrator. Read by index over the unfinished documents only.
    /// </summary>
    Task<IReadOnlyList<DocumentStatus>> ListInProgressAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Notes that <paramref name="revision"/> of the document has its <c>documents.submitted</c> event in the log (the
    /// outbox's "sent" mark): the redrive leaves it alone from now on, however long it waits in a backlog.
    /// </summary>
    Task MarkPublishedAsync(string documentId, int revision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Live documents still <see cref="DocumentState.Accepted"/> (no stage has reported on them) and never marked
    /// published (<see cref="MarkPublishedAsync"/>) that were accepted before <paramref name="acceptedBefore"/>, oldest
    /// first, after <paramref name="cursor"/>. A crash between registering a document and publishing its
    /// <c>documents.submitted</c> event leaves it here; the redrive publishes it again. A published document waiting
    /// behind a long backlog is not here. Must stay cheap when the store holds millions of documents (it reads only
    /// unpublished accepted ones).
    /// </summary>
    /// <remarks>
    /// Unlike other pages, <see cref="Page{T}.Next"/> is the position after the page's last document whenever the
    /// page has any (null only for an empty page): a caller keeps it to pick up, later, the documents that became
    /// stale since. A page with fewer than <paramref name="limit"/> documents is the last one for now.
    /// </remarks>
    Task<Page<DocumentRecord>> ListStaleAcceptedAsync(
        DateTimeOffset acceptedBefore, int limit, string? cursor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets applied status event ids recorded before <paramref name="appliedBefore"/> (they dedup redeliveries,
    /// and an event older than the log's retention can no longer be redelivered) and removes documents deleted
    /// before <paramref name="deletedBefore"/> with what is left of their rows (a deleted document's row tells its
    /// late events apart from an unknown document's). Works in small batches so writers are never held up long.
    /// </summary>
    Task<StatusPruning> PruneAsync(DateTimeOffset appliedBefore, DateTimeOffset deletedBefore, CancellationToken cancellationToken = default);
}

/// <summary>What a tenant stores: see <see cref="IStatusStore.GetUsageAsync"/>.</summary>
/// <param name="Documents">Live documents.</param>
/// <param name="Bytes">The sum of their uploads' sizes; derived data (text, chunks, vectors) is not counted.</param>
public sealed record TenantUsage(long Documents, long Bytes);

/// <summary>What <see cref="IStatusStore.CountAsync"/> counted.</summary>
/// <param name="Documents">Live documents by state; a state with none is absent or zero.</param>
/// <param name="Stages">Stages at work on live documents: running or retrying, per stage.</param>
public sealed record StatusCounts(IReadOnlyDictionary<DocumentState, long> Documents, IReadOnlyList<StageCount> Stages)
{
    /// <summary>Live documents in <paramref name="state"/>.</summary>
    public long Of(DocumentState state) => Documents.GetValueOrDefault(state);

    /// <summary>Live documents whose <paramref name="stage"/> is in <paramref name="state"/>.</summary>
    public long Of(string stage, StageState state)
        => Stages.Where(s => s.State == state && string.Equals(s.Stage, stage, StringComparison.Ordinal)).Sum(s => s.Count);
}

/// <summary>How many live documents have <paramref name="Stage"/> in <paramref name="State"/>.</summary>
public sealed record StageCount(string Stage, StageState State, long Count);

/// <summary>What <see cref="IStatusStore.PruneAsync"/> removed.</summary>
/// <param name="AppliedEvents">Applied status event ids forgotten.</param>
/// <param name="DeletedDocuments">Deleted documents' rows removed.</param>
public sealed record StatusPruning(long AppliedEvents, long DeletedDocuments);

/// <summary>Chunks by document, replaced as a whole when a document is chunked again.</summary>
public interface IChunkStore
{
    /// <summary>Atomically replaces the document's chunks with <paramref name="chunks"/>.</summary>
    Task ReplaceAsync(string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>Chunks in index order, from <paramref name="fromIndex"/>.</summary>
    Task<IReadOnlyList<Chunk>> ListAsync(string documentId, int fromIndex, int limit, CancellationToken cancellationToken = default);

    Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>Removes the document's chunks; removing none is not an error.</summary>
    Task DeleteAsync(string documentId, CancellationToken cancellationToken = default);
}
