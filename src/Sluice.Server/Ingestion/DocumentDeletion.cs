using Sluice.Core.Ports;

namespace Sluice.Server.Ingestion;

/// <summary>What a delete request found.</summary>
public enum DeletionOutcome
{
    Deleted,
    AlreadyDeleted,
    NotFound,
}

/// <summary>
/// Deletes a document from every store: status (tombstone), search index (vectors and keywords), chunks,
/// summary, and the blobs no other document uses. Safe to repeat: a second delete finds nothing more to do.
/// </summary>
public sealed class DocumentDeletionService(
    IStatusStore statuses, ISearchIndex index, IChunkStore chunks, ISummaryStore summaries, IBlobStore blobs)
{
    public async Task<DeletionOutcome> DeleteAsync(string documentId, string tenant, CancellationToken cancellationToken = default)
    {
        var current = await statuses.GetAsync(documentId, cancellationToken);
        if (current is not null && current.Document.Tenant != tenant)
        {
            return DeletionOutcome.NotFound;
        }

        var deletion = current is null ? null : await statuses.DeleteAsync(documentId, cancellationToken);
        if (deletion is null && !await statuses.IsDeletedAsync(documentId, cancellationToken))
        {
            return DeletionOutcome.NotFound;
        }

        // Also on a repeated delete: an index stage that was mid-flight may have written after the first one.
        await index.DeleteAsync(documentId, cancellationToken);
        await chunks.DeleteAsync(documentId, cancellationToken);
        await summaries.DeleteAsync(documentId, cancellationToken);
        foreach (var blob in deletion?.UnsharedBlobs ?? [])
        {
            await blobs.DeleteAsync(blob, cancellationToken);
        }

        return deletion is null ? DeletionOutcome.AlreadyDeleted : DeletionOutcome.Deleted;
    }
}
