using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Stages;

/// <summary>
/// Pure rules deciding which change-feed rows (<see cref="IStatusChangeFeed"/>) a status store writes for a registration,
/// a fold and a deletion, shared by every adapter so that the feed reads the same on every backend. The rows carry
/// position 0: the store assigns positions as it inserts them, in the order returned.
/// </summary>
/// <remarks>
/// A fold writes nothing when it changed nothing (a duplicate or stale report); <see cref="StatusChangeTypes.Progress"/>
/// when only the stage's progress moved; otherwise <see cref="StatusChangeTypes.StageChanged"/>. When the document's
/// overall state became terminal with that fold, a second row of the terminal type follows (completed, failed or
/// dead-lettered): every stage change has its own row, and a subscriber to terminal types alone needs nothing else.
/// </remarks>
public static class StatusChangeRecords
{
    /// <summary>The row of a registration that created the document (or a new revision of a deleted one).</summary>
    public static Ports.StatusChange Accepted(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new Ports.StatusChange(
            0, StatusChangeTypes.Accepted, document.Tenant, document.Id, document.Revision, DocumentState.Accepted,
            null, null, null, null, document.AcceptedAt);
    }

    /// <summary>The row of a deletion; it carries the state the document had when it was deleted.</summary>
    public static Ports.StatusChange Deleted(DocumentStatus status, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new Ports.StatusChange(
            0, StatusChangeTypes.Deleted, status.Document.Tenant, status.Document.Id, status.Document.Revision, status.State,
            null, null, null, status.Error, at);
    }

    /// <summary>
    /// The rows of one fold: <paramref name="before"/> is the document as stored before it, <paramref name="fold"/> what
    /// <see cref="StatusFold.Fold"/> made of the event, <paramref name="at"/> the event's time. Empty when nothing changed.
    /// </summary>
    public static IReadOnlyList<Ports.StatusChange> Folded(DocumentStatus before, StatusChange fold, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(fold);
        var previous = before.Stages.TryGetValue(fold.StageName, out var stored)
            ? stored
            : new StageStatus(StageState.Pending, 0, null, null, null, null);
        var stage = fold.Stage;
        var rows = new List<Ports.StatusChange>(2);
        // Per-batch detail is not a change of its own: a batch that starts while others run changes nothing a reader sees.
        var (now, then) = (stage with { Parts = null }, previous with { Parts = null });
        string? stageType = now == then ? null
            : now with { Progress = then.Progress } == then ? StatusChangeTypes.Progress
            : StatusChangeTypes.StageChanged;
        if (stageType is not null)
        {
            rows.Add(Row(stageType));
        }

        if (fold.State != before.State && TerminalType(fold.State) is { } terminal)
        {
            rows.Add(Row(terminal));
        }

        return rows;

        Ports.StatusChange Row(string type) => new(
            0, type, before.Document.Tenant, before.Document.Id, before.Document.Revision, fold.State,
            fold.StageName, stage.State, stage.Progress, fold.Error, at);
    }

    /// <summary>The change type a document reaching <paramref name="state"/> is announced with; null when it is not terminal.</summary>
    public static string? TerminalType(DocumentState state) => state switch
    {
        DocumentState.Completed => StatusChangeTypes.Completed,
        DocumentState.Failed => StatusChangeTypes.Failed,
        DocumentState.DeadLettered => StatusChangeTypes.DeadLettered,
        _ => null,
    };
}
