namespace Sluice.Core.Ports;

/// <summary>
/// What was parked on the stages' dead-letter topics, readable by people: a projection of the topics, so the
/// API can list, filter and replay without scanning the log.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Records a dead letter; saving the same one again (same id) changes nothing.</summary>
    Task SaveAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default);

    /// <summary>Newest first; <paramref name="stage"/> filters; <paramref name="before"/> is the cursor (an id).</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(string? stage, bool parkedOnly, int limit, string? before, CancellationToken cancellationToken = default);

    Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Marks a dead letter replayed (its event was published again) and counts the replay.</summary>
    Task MarkReplayedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
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
    /// <summary>Parked, or replayed (published again to the stage).</summary>
    public string State { get; init; } = "parked";

    public int Replays { get; init; }

    public DateTimeOffset? ReplayedAt { get; init; }
}
