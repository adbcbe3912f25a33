using Sluice.Core.Deletion;
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
/// Deletes a document from every store: status (tombstone, which queues its blobs for the <see cref="BlobCollector"/>
/// in the same transaction), search index (vectors and keywords), chunks, summary and cached LLM answers. Safe to
/// repeat: a second delete finds nothing more to do, and sweeps up anything an in-flight stage wrote meanwhile.
/// </summary>
public sealed class DocumentDeletionService(
    IStatusStore statuses, ISearchIndex index, IChunkStore chunks, ISummaryStore summaries, BlobCollector collector,
    IEnumerable<ILlmSummaryCache> llmCaches)
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

        // After the tombstone: a stage that wrote before it is purged here, one that writes after it finds the
        // tombstone and undoes its own write (DocumentWrites).
        await index.DeleteAsync(documentId, cancellationToken);
        await chunks.DeleteAsync(documentId, cancellationToken);
        await summaries.DeleteAsync(documentId, cancellationToken);
        foreach (var cache in llmCaches)
        {
            await cache.DeleteDocumentAsync(documentId, cancellationToken);
        }

        collector.Wake();
        return deletion is null ? DeletionOutcome.AlreadyDeleted : DeletionOutcome.Deleted;
    }
}
