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

    /// <summary>
    /// The gate before a stage reads any blob its input event names: null when the stage may go on, otherwise the
    /// result it ends with. Work for a deleted or superseded revision is skipped (success, nothing read). An event that
    /// is not its document's own is a permanent failure, dead-lettered with the reason, and nothing is read: a document
    /// that is not registered (or not at that revision), one registered under another tenant than the event names, or a
    /// blob that does not belong to the document (<see cref="ClaimChecks"/>). One look-up of the registered document per
    /// record, in place of the look-up of its revision's state that every stage made anyway.
    /// </summary>
    /// <param name="input">The event the stage handles.</param>
    /// <param name="reads">Every blob the stage will read for it.</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    public async Task<StageResult?> AdmitAsync(EventEnvelope input, IReadOnlyList<BlobReference> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(reads);
        var status = await StoreAsync(() => statuses.GetAsync(input.DocumentId, cancellationToken));
        if (status is null)
        {
            // Gone (deleted, or a newer revision is being registered) or never registered at all.
            return await StateAsync(input, cancellationToken) is RevisionState.Deleted or RevisionState.Superseded
                ? StageResult.Success()
                : StageResult.Permanent($"the event names document {input.DocumentId} of tenant {input.Tenant}, which is not registered; none of its blobs is read");
        }

        var document = status.Document;
        if (input.Revision < document.Revision)
        {
            return StageResult.Success();
        }

        if (!string.Equals(document.Tenant, input.Tenant, StringComparison.Ordinal))
        {
            // Not the document's tenant: say nothing of whose it is.
            return StageResult.Permanent($"the event names tenant {input.Tenant} for document {input.DocumentId}, which is not that tenant's; none of its blobs is read");
        }

        if (input.Revision > document.Revision)
        {
            return StageResult.Permanent($"the event names revision {input.Revision} of document {input.DocumentId}, which is not registered; none of its blobs is read");
        }

        foreach (var reference in reads)
        {
            if (ClaimChecks.Refusal(document, input.Revision, reference) is { } refusal)
            {
                return StageResult.Permanent(refusal);
            }
        }

        return null;
    }

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
    private Task<RevisionState> StateAsync(EventEnvelope input, CancellationToken cancellationToken)
        => StoreAsync(() => statuses.GetRevisionStateAsync(input.DocumentId, input.Revision, cancellationToken));

    private static async Task<T> StoreAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
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
