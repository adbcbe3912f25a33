using Sluice.Core.Deletion;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Stages;

/// <summary>
/// Keeps a stage's writes to a document's stores in step with deletion: work for a deleted or superseded
/// revision is skipped, and a write that raced a delete is undone.
/// </summary>
/// <remarks>
/// The stores are separate systems, so "write only if the document is live" cannot be one transaction. Instead a
/// write is followed by a second look: deletion tombstones the document first and purges the stores after, so a
/// write that saw the document live before the tombstone is purged by the deletion, and one that finds the
/// tombstone afterwards undoes itself. Either way nothing of a deleted document is left. A superseded revision (the
/// document was deleted and uploaded again) is never undone: the new revision has the same id and content and owns
/// those rows now.
/// </remarks>
public sealed class DocumentWrites(IStatusStore statuses, IEnumerable<IDeletedDataEraser> erasers)
{
    /// <summary>How long a stage waits before asking again while the status store cannot answer.</summary>
    public static readonly TimeSpan StoreOutagePause = TimeSpan.FromSeconds(5);

    /// <summary>Whether work for the input's document revision is still wanted.</summary>
    public async Task<bool> IsWantedAsync(EventEnvelope input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await StateAsync(input, cancellationToken) is RevisionState.Current or RevisionState.Unknown;
    }

    /// <summary>
    /// The revision's state. A status store that cannot answer is not the document's fault: it surfaces as an open
    /// circuit, so the runtime pauses and runs the same attempt again instead of spending the document's attempts.
    /// </summary>
    private async Task<RevisionState> StateAsync(EventEnvelope input, CancellationToken cancellationToken)
    {
        try
        {
            return await statuses.GetRevisionStateAsync(input.DocumentId, input.Revision, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ProviderException($"the status store is unavailable ({ex.GetType().Name})", ex)
            {
                IsCircuitOpen = true,
                RetryAfter = StoreOutagePause,
            };
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> unless the revision is no longer wanted, then runs <paramref name="undo"/> if the
    /// document was deleted meanwhile. Returns false when the write was skipped or undone.
    /// </summary>
    public async Task<bool> WriteAsync(
        EventEnvelope input, Func<CancellationToken, Task> write, Func<CancellationToken, Task> undo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(undo);
        if (!await IsWantedAsync(input, cancellationToken))
        {
            return false;
        }

        await write(cancellationToken);
        if (await StateAsync(input, cancellationToken) == RevisionState.Deleted)
        {
            await undo(cancellationToken);

            // The undone rows must leave the disk too, as the delete's own did.
            await EraseAsync(cancellationToken);
            return false;
        }

        return true;
    }

    /// <summary>Makes removals physical in stores that keep deleted data in their files (see <see cref="IDeletedDataEraser"/>).</summary>
    public async Task EraseAsync(CancellationToken cancellationToken = default)
    {
        foreach (var eraser in erasers)
        {
            await eraser.EraseDeletedAsync(cancellationToken);
        }
    }

    /// <summary>
    /// <paramref name="failure"/>, unless the document was deleted or superseded meanwhile: then its blobs may be gone
    /// on purpose, and the stage has nothing left to do (no dead letter for a document nobody wants any more).
    /// </summary>
    public async Task<StageResult> FailUnlessGoneAsync(EventEnvelope input, StageResult failure, CancellationToken cancellationToken = default)
        => await IsWantedAsync(input, cancellationToken) ? failure : StageResult.Success();
}
