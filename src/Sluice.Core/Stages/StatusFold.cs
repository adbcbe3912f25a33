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
        var stage = change.Part is { } part
            ? ApplyPart(previous, change, part, occurredAt)
            : Apply(previous is null || previous.Attempts == 0 ? null : previous with { Parts = null }, change, occurredAt);
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

    /// <summary>
    /// A report on one batch of a document cut into several: the batch's own status follows the rules of
    /// <see cref="Apply"/> (so redeliveries, stale retries and replays of one batch behave as they do for a whole
    /// document), and the stage's status is derived from all batches (<see cref="Aggregate"/>). A report whose batch
    /// count differs from the one stored (the document was cut again with another batch size) starts the count over;
    /// one that names no valid batch changes nothing.
    /// </summary>
    private static StageStatus ApplyPart(StageStatus? previous, StageStatusChanged change, EventPart part, DateTimeOffset at)
    {
        var pending = new StageStatus(StageState.Pending, 0, null, null, null, null);
        if (!part.IsValid)
        {
            return previous ?? pending;
        }

        var batches = previous?.Parts is { } known && known.Count == part.Count
            ? new Dictionary<int, StageStatus>(known.Batches)
            : [];
        batches.TryGetValue(part.Index, out var before);
        batches[part.Index] = Apply(before, change with { Part = null }, at);
        return Aggregate(new StageParts(part.Count, batches));
    }

    /// <summary>
    /// The stage's status from its batches': succeeded once every batch succeeded; otherwise running while a batch runs or
    /// has not reached the stage yet, else retrying while one waits to retry, else failed or dead-lettered with the first
    /// broken batch's reason. Progress is the share of batches done; attempts are the most any batch needed.
    /// </summary>
    private static StageStatus Aggregate(StageParts parts)
    {
        var all = parts.Batches;
        var attempts = all.Values.Max(b => b.Attempts);
        var startedAt = all.Values.Min(b => b.StartedAt);
        var done = parts.Done;
        if (done == parts.Count)
        {
            return new StageStatus(StageState.Succeeded, attempts, startedAt, all.Values.Max(b => b.FinishedAt), null, 1, Parts: parts);
        }

        var progress = Math.Round((double)done / parts.Count, 4);
        if (all.Count < parts.Count || all.Values.Any(b => b.State is StageState.Running or StageState.Pending))
        {
            return new StageStatus(StageState.Running, attempts, startedAt, null, null, progress, Parts: parts);
        }

        if (all.Where(b => b.Value.State == StageState.Retrying).OrderBy(b => b.Value.NextAttemptAt).ThenBy(b => b.Key).FirstOrDefault() is { Value: not null } retrying)
        {
            var batch = retrying.Value;
            return new StageStatus(
                StageState.Retrying, attempts, startedAt, null, Describe(retrying.Key, parts.Count, batch.Error), progress, batch.NextAttemptAt, batch.ErrorType, parts);
        }

        var (index, broken) = all.Where(b => b.Value.State is StageState.Failed or StageState.DeadLettered).OrderBy(b => b.Key).First();
        return new StageStatus(
            broken.State, attempts, startedAt, broken.FinishedAt, Describe(index, parts.Count, broken.Error), progress, null, broken.ErrorType, parts);
    }

    private static string Describe(int index, int count, string? error)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"batch {index + 1} of {count}: {error ?? "failed"}");

    /// <summary>
    /// Whether more will happen at the stage without a replay: an attempt runs or waits to retry, or a batch has still to
    /// reach it. Batches come from the stage that feeds it (<see cref="Upstream"/>): each batch that stage has not failed
    /// or dead-lettered will reach this one, even before this one has heard of any (its events are on their way); a batch
    /// that stage parked will not, until it is replayed. A stage fed by a stage that works in one piece expects every
    /// batch it counts.
    /// </summary>
    private static bool IsActive(string name, StageStatus stage, IReadOnlyDictionary<string, StageStatus> stages)
    {
        var parts = stage.Parts;
        if (parts is null ? stage.State is StageState.Running or StageState.Retrying
                : parts.Batches.Values.Any(b => b.State is StageState.Running or StageState.Retrying or StageState.Pending))
        {
            return true;
        }

        var upstream = Upstream(name) is { } feeder && stages.TryGetValue(feeder, out var fed) ? fed.Parts : null;
        if (upstream is null)
        {
            return parts is not null && parts.Batches.Count < parts.Count;
        }

        for (var i = 0; i < upstream.Count; i++)
        {
            var seen = parts is not null && parts.Count == upstream.Count && parts.Batches.ContainsKey(i);
            if (!seen && !(upstream.Batches.TryGetValue(i, out var source) && source.State is StageState.Failed or StageState.DeadLettered))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The pipeline stage whose output is the input of <paramref name="name"/> (null for the first, or an unknown stage).</summary>
    private static string? Upstream(string name)
        => StageCatalog.Find(name) is { } stage
            ? StageCatalog.Pipeline.FirstOrDefault(s => s.Outputs.Contains(stage.InputTopic, StringComparer.Ordinal))?.Name
            : null;

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
                // Every pipeline stage counts, also one that has not reported yet (its batches may be on their way).
                if (pipeline.Concat(stages.Keys).Distinct(StringComparer.Ordinal)
                    .Any(s => IsActive(s, stages.GetValueOrDefault(s) ?? new StageStatus(StageState.Pending, 0, null, null, null, null), stages)))
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
