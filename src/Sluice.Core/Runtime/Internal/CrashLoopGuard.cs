using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// The runtime's use of the <see cref="IAttemptJournal"/>: notes a record before it is handled, forgets it once the
/// record is finished or handed back, and tells when processes died handling it often enough to stop trying. A record
/// that was in flight when a process died is a suspect: it then runs alone in its process (<see cref="SuspectGate"/>),
/// and only deaths while it ran alone count, so the bystanders of a kill from outside are not taken for its cause.
/// The journal is a safety net: when it fails, the record is handled without it (and that is logged).
/// </summary>
internal sealed class CrashLoopGuard(IAttemptJournal? journal, string stage, int maxDeaths, ILogger logger)
{
    /// <summary>What the journal says of the record's earlier starts; null without a journal (or when it failed).</summary>
    public async Task<AttemptHistory?> BeginAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        if (journal is null)
        {
            return null;
        }

        try
        {
            return await journal.BeginAsync(Key(record), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RuntimeLog.JournalFailed(logger, ex, stage);
            return null;
        }
    }

    /// <summary>Whether processes died often enough handling the record alone to stop trying it.</summary>
    public bool GivesUp(AttemptHistory? history) => history is { } h && h.DeathsAlone >= maxDeaths;

    /// <summary>
    /// Enters the process's gate for one attempt: shared for an ordinary record, alone for a suspect (noted in the
    /// journal once it is alone). Null without a journal: nothing is gated.
    /// </summary>
    public async Task<IDisposable?> EnterAsync(ConsumedRecord record, AttemptHistory? history, CancellationToken cancellationToken)
    {
        if (journal is null || history is null)
        {
            return null;
        }

        if (history.Deaths == 0)
        {
            return await SuspectGate.Process.EnterSharedAsync(cancellationToken);
        }

        var alone = await SuspectGate.Process.EnterExclusiveAsync(cancellationToken);
        try
        {
            await journal.MarkAloneAsync(Key(record), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RuntimeLog.JournalFailed(logger, ex, stage);
        }

        return alone;
    }

    public async Task EndAsync(ConsumedRecord record)
    {
        if (journal is null)
        {
            return;
        }

        try
        {
            await journal.EndAsync(Key(record), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // A start left behind only counts once its process is gone; the next start of the record then sees it.
            RuntimeLog.JournalFailed(logger, ex, stage);
        }
    }

    /// <summary>Keyed by the stage (its input and retry topics are distinct, so one name covers both of its groups).</summary>
    private AttemptKey Key(ConsumedRecord record) => new(stage, record.Topic, record.Partition, record.Offset);
}
