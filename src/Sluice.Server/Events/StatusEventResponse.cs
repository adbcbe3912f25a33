using Sluice.Core.Ports;
using Sluice.Server.Api;

namespace Sluice.Server.Events;

/// <summary>
/// The data of one server-sent event of a status stream: a change of a document's status (its event id is the
/// position, its event type the change type), or the document's status when a document stream starts.
/// </summary>
/// <param name="Position">The change's position in the feed (also the event id a reconnecting client sends back).</param>
/// <param name="Type">The change type (<c>document.stage_changed</c>…), or <c>document.status</c> for a document stream's first event.</param>
/// <param name="DocumentId">The document.</param>
/// <param name="Revision">The document's revision (it grows when a deleted document is uploaded again).</param>
/// <param name="State">The document's state after the change: <c>accepted</c>, <c>processing</c>, <c>completed</c>, <c>failed</c> or <c>dead_lettered</c>.</param>
/// <param name="Stage">The stage the change is about, if any.</param>
/// <param name="StageState">That stage's state after the change (<c>running</c>, <c>retrying</c>, <c>succeeded</c>…).</param>
/// <param name="Progress">That stage's progress (0..1), when it reported one.</param>
/// <param name="Error">The document's error when it failed or was dead-lettered.</param>
/// <param name="At">When the change happened.</param>
public sealed record StatusEventResponse(
    long Position,
    string Type,
    string DocumentId,
    int Revision,
    string State,
    string? Stage,
    string? StageState,
    double? Progress,
    ErrorResponse? Error,
    DateTimeOffset At)
{
    /// <summary>The event type of a document stream's first event: where the document stands when the stream starts.</summary>
    public const string StatusType = "document.status";

    /// <summary>
    /// The event type of keep-alive events: no data, and as id the position the stream has read up to (a stream with
    /// nothing to send yet opens with one, so a client knows where it starts before anything happened).
    /// </summary>
    public const string KeepAliveType = "keep-alive";

    public static StatusEventResponse From(StatusChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new StatusEventResponse(
            change.Position, change.Type, change.DocumentId, change.Revision, DocumentResponse.Lower(change.State.ToString()), change.Stage,
            change.StageState is { } stageState ? DocumentResponse.Lower(stageState.ToString()) : null, change.Progress,
            change.Error is { } e ? new ErrorResponse(e.Stage, e.Reason) : null, change.At);
    }

    /// <summary>The first event of a document stream: the document as it is, at <paramref name="position"/> of the feed.</summary>
    public static StatusEventResponse From(DocumentStatus status, long position)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new StatusEventResponse(
            position, StatusType, status.Document.Id, status.Document.Revision, DocumentResponse.Lower(status.State.ToString()), null, null, null,
            status.Error is { } e ? new ErrorResponse(e.Stage, e.Reason) : null, status.UpdatedAt);
    }
}
