using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Projections;

/// <summary>
/// A status store whose folds fail while <see cref="Failing"/> is set, as a full disk, a held lock or a restarting
/// networked store would make them fail; everything else goes to the real store.
/// </summary>
public sealed class FailingStatusStore(IStatusStore inner) : IStatusStore
{
    private int _failed;

    public bool Failing { get; set; }

    /// <summary>Folds refused so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public Task<bool> ApplyAsync(EventEnvelope statusEvent, CancellationToken cancellationToken = default)
    {
        if (Failing)
        {
            Interlocked.Increment(ref _failed);
            throw new IOException("disk I/O error (injected)");
        }

        return inner.ApplyAsync(statusEvent, cancellationToken);
    }

    public Task<(DocumentStatus Status, bool Created)> RegisterAsync(DocumentRecord document, CancellationToken cancellationToken = default)
        => inner.RegisterAsync(document, cancellationToken);

    public Task<DocumentStatus?> GetAsync(string documentId, CancellationToken cancellationToken = default) => inner.GetAsync(documentId, cancellationToken);

    public Task<Page<DocumentStatus>> ListAsync(string tenant, int limit, string? cursor, CancellationToken cancellationToken = default)
        => inner.ListAsync(tenant, limit, cursor, cancellationToken);

    public Task<DocumentDeletion?> DeleteAsync(string documentId, CancellationToken cancellationToken = default) => inner.DeleteAsync(documentId, cancellationToken);

    public Task<bool> IsDeletedAsync(string documentId, CancellationToken cancellationToken = default) => inner.IsDeletedAsync(documentId, cancellationToken);

    public Task<RevisionState> GetRevisionStateAsync(string documentId, int revision, CancellationToken cancellationToken = default)
        => inner.GetRevisionStateAsync(documentId, revision, cancellationToken);

    public Task<IReadOnlyList<BlobGarbage>> ClaimBlobGarbageAsync(int limit, TimeSpan staleAfter, CancellationToken cancellationToken = default)
        => inner.ClaimBlobGarbageAsync(limit, staleAfter, cancellationToken);

    public Task ReleaseBlobGarbageAsync(IReadOnlyList<BlobGarbage> removed, CancellationToken cancellationToken = default)
        => inner.ReleaseBlobGarbageAsync(removed, cancellationToken);

    public Task<bool> IsBlobCondemnedAsync(string uri, CancellationToken cancellationToken = default) => inner.IsBlobCondemnedAsync(uri, cancellationToken);

    public Task<int> CountBlobGarbageAsync(CancellationToken cancellationToken = default) => inner.CountBlobGarbageAsync(cancellationToken);

    public Task<TenantUsage> GetUsageAsync(string tenant, CancellationToken cancellationToken = default) => inner.GetUsageAsync(tenant, cancellationToken);

    public Task<StatusCounts> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);

    public Task<IReadOnlyList<DocumentStatus>> ListInProgressAsync(int limit, CancellationToken cancellationToken = default)
        => inner.ListInProgressAsync(limit, cancellationToken);

    public Task MarkPublishedAsync(string documentId, int revision, CancellationToken cancellationToken = default)
        => inner.MarkPublishedAsync(documentId, revision, cancellationToken);

    public Task<Page<DocumentRecord>> ListStaleAcceptedAsync(DateTimeOffset acceptedBefore, int limit, string? cursor, CancellationToken cancellationToken = default)
        => inner.ListStaleAcceptedAsync(acceptedBefore, limit, cursor, cancellationToken);

    public Task<StatusPruning> PruneAsync(DateTimeOffset appliedBefore, DateTimeOffset deletedBefore, CancellationToken cancellationToken = default)
        => inner.PruneAsync(appliedBefore, deletedBefore, cancellationToken);
}
