using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// The runtime's use of the <see cref="IAttemptJournal"/>: notes a record before it is handled, forgets it once the
/// record is finished or handed back, and tells when processes died handling it often enough to stop trying. The
/// journal is a safety net: when it fails, the record is handled without it (and that is logged).
/// </summary>
internal sealed class CrashLoopGuard(IAttemptJournal? journal, string stage, int maxDeaths, ILogger logger)
{
    /// <summary>How many processes died handling the record when that is <c>maxDeaths</c> or more; otherwise null.</summary>
    public async Task<int?> BeginAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        if (journal is null)
        {
            return null;
        }

        try
        {
            var deaths = await journal.BeginAsync(Key(record), cancellationToken);
            return deaths >= maxDeaths ? deaths : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RuntimeLog.JournalFailed(logger, ex, stage);
            return null;
        }
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
