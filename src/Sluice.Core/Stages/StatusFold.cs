using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Stages;

/// <summary>
/// Pure rules that fold status events into stage and document state, shared by every status store adapter (an
/// adapter stores and loads; it never decides). Events are folded in the order of the status
/// topic (one partition per document), which is the order a stage published them; the rules below keep a stage from
/// going back when a report arrives after a later one (a retry consumed elsewhere may report its attempt first).
/// </summary>
public static class StatusFold
{
    /// <summary>The fact a stage reports with the number of chunks a document was cut into.</summary>
    public const string ChunksFact = "chunks";

    /// <summary>
    /// What one status event changes: the stage's new status, the document's state and error, and the chunk count
    /// when the event reports one. <paramref name="current"/> is the document as stored before the event.
    /// </summary>
    public static StatusChange Fold(
        IReadOnlyList<string> pipeline, DocumentStatus current, StageStatusChanged change, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);
        current.Stages.TryGetValue(change.Stage, out var previous);
        var stage = Apply(previous?.Attempts == 0 ? null : previous, change, occurredAt);
        var stages = new Dictionary<string, StageStatus>(current.Stages) { [change.Stage] = stage };
        var (state, error) = Document(pipeline, stages);
        long? chunks = change.Facts is { } facts && facts.TryGetValue(ChunksFact, out var n) ? n : null;
        return new StatusChange(change.Stage, stage, state, error, chunks);
    }

    public static StageStatus Apply(StageStatus? current, StageStatusChanged change, DateTimeOffset at)
    {
        var previous = current ?? new StageStatus(StageState.Pending, 0, null, null, null, null);
        return change.State switch
        {
            // A progress report refines the running attempt; a plain Running starts a new attempt.
            StageState.Running when change.Progress is { } progress && previous.State == StageState.Running
                => previous with { Progress = progress },
            StageState.Running when change.Progress is not null => previous,

            // The attempt an open circuit paused goes on; if the stage moved on meanwhile, the report is stale.
            StageState.Running when change.Resumed && previous.State == StageState.Retrying => previous with
            {
                State = StageState.Running,
                FinishedAt = null,
                Error = null,
                ErrorType = null,
                NextAttemptAt = null,
            },
            StageState.Running when change.Resumed => previous,
            StageState.Running => new StageStatus(StageState.Running, previous.Attempts + 1, at, null, null, 0),
            StageState.Retrying when IsStaleRetry(previous, at) => previous,
            StageState.Retrying => EndAttempt(previous, change, at, finishedAt: null) with
            {
                Progress = null,
                NextAttemptAt = change.NextAttemptAt,
            },
            StageState.Succeeded => EndAttempt(previous, change, at, finishedAt: at) with
            {
                Error = null,
                ErrorType = null,
                Progress = 1,
            },
            StageState.Failed or StageState.DeadLettered => EndAttempt(previous, change, at, finishedAt: at),
            _ => previous,
        };
    }

    /// <summary>The stage after an attempt ended in <paramref name="change"/>'s state, with its error (if any).</summary>
    private static StageStatus EndAttempt(StageStatus previous, StageStatusChanged change, DateTimeOffset at, DateTimeOffset? finishedAt)
        => previous with
        {
            State = change.State,
            Attempts = Math.Max(previous.Attempts, 1),
            StartedAt = previous.StartedAt ?? at,
            FinishedAt = finishedAt,
            Error = change.Error,
            ErrorType = change.ErrorType,
            NextAttemptAt = null,
        };

    /// <summary>
    /// A retry report is about an attempt that already ended, so it is stale when the stage has moved past that
    /// attempt: it finished (an attempt's own Running always comes before its retry report, so a final state
    /// here is a later attempt's), or an attempt started after the report was made (the next attempt starts no
    /// earlier than the report plus the retry delay).
    /// </summary>
    private static bool IsStaleRetry(StageStatus previous, DateTimeOffset at)
        => previous.State is StageState.Succeeded or StageState.Failed or StageState.DeadLettered
           || previous.StartedAt > at;

    /// <summary>
    /// Failed if any stage failed, dead-lettered if any stage dead-lettered the document, once no other stage is
    /// still running or waiting to retry (a terminal state means nothing more happens without a replay); completed
    /// when every pipeline stage succeeded.
    /// </summary>
    public static (DocumentState State, DocumentError? Error) Document(
        IReadOnlyList<string> pipeline, IReadOnlyDictionary<string, StageStatus> stages)
    {
        foreach (var name in pipeline.Concat(stages.Keys.Except(pipeline)))
        {
            if (stages.TryGetValue(name, out var stage) && stage.State is StageState.Failed or StageState.DeadLettered)
            {
                if (stages.Values.Any(s => s.State is StageState.Running or StageState.Retrying))
                {
                    return (DocumentState.Processing, null);
                }

                var state = stage.State == StageState.Failed ? DocumentState.Failed : DocumentState.DeadLettered;
                return (state, new DocumentError(name, stage.Error ?? "failed"));
            }
        }

        if (pipeline.All(name => stages.TryGetValue(name, out var s) && s.State == StageState.Succeeded))
        {
            return (DocumentState.Completed, null);
        }

        return stages.Values.Any(s => s.State != StageState.Pending)
            ? (DocumentState.Processing, null)
            : (DocumentState.Accepted, null);
    }
}

/// <summary>The outcome of folding one status event (see <see cref="StatusFold.Fold"/>).</summary>
/// <param name="StageName">The stage the event was about.</param>
/// <param name="Stage">That stage's status after the event.</param>
/// <param name="State">The document's state after the event.</param>
/// <param name="Error">The document's error after the event, if any.</param>
/// <param name="Chunks">The chunk count the event reported, if it did (otherwise the stored count stays).</param>
public sealed record StatusChange(string StageName, StageStatus Stage, DocumentState State, DocumentError? Error, long? Chunks);
