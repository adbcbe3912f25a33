using Sluice.Core.Events;

namespace Sluice.Core.Ports;

/// <summary>What kind of change a <see cref="StatusChange"/> records; also the event names clients subscribe to.</summary>
public static class StatusChangeTypes
{
    /// <summary>The document was registered (uploaded, or uploaded again after a deletion).</summary>
    public const string Accepted = "document.accepted";

    /// <summary>A stage's state changed (started, succeeded, retrying, failed, dead-lettered).</summary>
    public const string StageChanged = "document.stage_changed";

    /// <summary>A running stage reported progress.</summary>
    public const string Progress = "document.progress";

    /// <summary>Every stage succeeded.</summary>
    public const string Completed = "document.completed";

    /// <summary>A stage failed permanently.</summary>
    public const string Failed = "document.failed";

    /// <summary>A stage dead-lettered the document.</summary>
    public const string DeadLettered = "document.dead_lettered";

    /// <summary>The document was deleted.</summary>
    public const string Deleted = "document.deleted";

    /// <summary>Every type, in the order a document meets them.</summary>
    public static IReadOnlyList<string> All { get; } = [Accepted, StageChanged, Progress, Completed, Failed, DeadLettered, Deleted];
}

/// <summary>
/// One change of a document's status, as the status store recorded it, in the same transaction as the change itself.
/// </summary>
/// <param name="Position">
/// Where the change sits in the feed: positions grow with every change the store records, across all tenants, and a
/// reader that saw position N has seen every change before it (no gaps appear later).
/// </param>
/// <param name="Type">One of <see cref="StatusChangeTypes"/>.</param>
/// <param name="Tenant">The document's tenant.</param>
/// <param name="DocumentId">The document.</param>
/// <param name="Revision">The document's revision the change belongs to.</param>
/// <param name="State">The document's overall state after the change.</param>
/// <param name="Stage">The stage that reported, for stage changes and progress.</param>
/// <param name="StageState">That stage's state after the change.</param>
/// <param name="Progress">The stage's progress (0..1) when it reported one.</param>
/// <param name="Error">The document's error (stage and reason) when it failed or was dead-lettered.</param>
/// <param name="At">When the change happened (the status event's time).</param>
public sealed record StatusChange(
    long Position,
    string Type,
    string Tenant,
    string DocumentId,
    int Revision,
    DocumentState State,
    string? Stage,
    StageState? StageState,
    double? Progress,
    DocumentError? Error,
    DateTimeOffset At);

/// <summary>
/// The status store's durable change feed: what server-sent events stream to clients (resuming from a position, so a
/// reconnecting client misses nothing) and what webhooks deliver. Changes are kept as long as applied status events
/// are (see <see cref="IStatusStore.PruneAsync"/>).
/// </summary>
public interface IStatusChangeFeed
{
    /// <summary>
    /// Up to <paramref name="limit"/> changes after <paramref name="after"/>, oldest first: the tenant's, or every
    /// tenant's when <paramref name="tenant"/> is null; one document's when <paramref name="documentId"/> is given.
    /// </summary>
    Task<IReadOnlyList<StatusChange>> ReadAsync(
        string? tenant, long after, int limit, string? documentId = null, CancellationToken cancellationToken = default);

    /// <summary>The position of the newest change (0 when there is none): where a reader that wants only news starts.</summary>
    Task<long> LatestPositionAsync(CancellationToken cancellationToken = default);
}
