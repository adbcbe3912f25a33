namespace Sluice.Core.Ports;

/// <summary>
/// What was parked on the stages' dead-letter topics, readable by people: a projection of the topics, so the
/// API can list, filter and replay without scanning the log. A dead letter is <c>parked</c>, then <c>replaying</c>
/// while its event is being published again, then <c>replayed</c>; each step is a compare-and-set, so two replays
/// of one dead letter never both publish.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Records a dead letter; saving the same one again (same id) changes nothing.</summary>
    Task SaveAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Newest first; <paramref name="stage"/> filters; <paramref name="before"/> is the cursor (an id);
    /// <paramref name="tenant"/>, when given, keeps only that tenant's dead letters (never those without a tenant), and a
    /// cursor that is not one of them reads as one that does not exist (an empty page), so paging never tells whether
    /// another tenant's dead letter exists.
    /// </summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(
        string? stage, bool parkedOnly, int limit, string? before, string? tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Parked dead letters oldest first, for bulk replays: those after the id <paramref name="after"/> (the cursor)
    /// and up to the id <paramref name="upTo"/> (inclusive; what was parked when the replay began), at most
    /// <paramref name="limit"/>; only <paramref name="tenant"/>'s when it is given.
    /// </summary>
    Task<IReadOnlyList<DeadLetter>> ListParkedOldestFirstAsync(
        string? stage, string? after, string upTo, int limit, string? tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many dead letters of <paramref name="stage"/> (all when null) and of <paramref name="tenant"/> (every
    /// tenant's when null) are parked up to the id <paramref name="upTo"/> (inclusive).
    /// </summary>
    Task<int> CountParkedAsync(string? stage, string upTo, string? tenant, CancellationToken cancellationToken = default);

    Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>parked</c> → <c>replaying</c>, only if the dead letter is parked: true for the one caller that may now
    /// publish it, false for everyone else (already replaying or replayed, or no such id).
    /// </summary>
    Task<bool> TryBeginReplayAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary><c>replaying</c> → <c>replayed</c> (its event was published again), counting the replay; false if it was not replaying.</summary>
    Task<bool> MarkReplayedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary><c>replaying</c> → <c>parked</c>: the publish failed, so the dead letter waits for another replay.</summary>
    Task<bool> ReturnToParkedAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every dead letter still <c>replaying</c> since before <paramref name="startedBefore"/> back to <c>parked</c>
    /// (its replayer died between the state change and the end of the publish); returns how many.
    /// </summary>
    Task<int> ReturnStaleReplaysAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default);

    /// <summary>Deletes the dead letters replayed before <paramref name="replayedBefore"/>; parked ones stay. Returns how many.</summary>
    Task<int> PruneReplayedAsync(DateTimeOffset replayedBefore, CancellationToken cancellationToken = default);
}

/// <summary>One event parked on a dead-letter topic, with the context the runtime put in its headers.</summary>
/// <param name="Id">Derived from the dead-letter topic, partition and offset.</param>
/// <param name="Stage">The stage (consumer group) that parked it.</param>
/// <param name="DocumentId">The document, when the event named one.</param>
/// <param name="Topic">The dead-letter topic.</param>
/// <param name="Partition">Its partition there.</param>
/// <param name="Offset">Its offset there.</param>
/// <param name="Key">The record key (the document id for Sluice's own events).</param>
/// <param name="Value">The original event, untouched (not necessarily valid JSON: poison events are kept as they came).</param>
/// <param name="Headers">The record headers: the failure context (see <c>Headers</c> in Sluice.Core.Events).</param>
/// <param name="FailedAt">When it was parked.</param>
public sealed record DeadLetter(
    string Id,
    string Stage,
    string? DocumentId,
    string Topic,
    int Partition,
    long Offset,
    string Key,
    ReadOnlyMemory<byte> Value,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset FailedAt)
{
    /// <summary><c>parked</c>, <c>replaying</c> (being published again) or <c>replayed</c> (published again to the stage).</summary>
    public string State { get; init; } = "parked";

    public int Replays { get; init; }

    /// <summary>When the last replay was published; while <c>replaying</c>, when that replay began.</summary>
    public DateTimeOffset? ReplayedAt { get; init; }

    /// <summary>
    /// The tenant the parked event names in its envelope; null when the event could not be read (a poison record
    /// names no tenant, so only an administrator sees it). It says whose dead letter it is, and so who may see and
    /// replay it.
    /// </summary>
    public string? Tenant { get; init; }
}
