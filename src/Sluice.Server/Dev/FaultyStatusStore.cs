using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Dev;

/// <summary>
/// Fault injection for chaos runs and tests, never on by default: while the file named by
/// <c>Sluice:Faults:StatusStoreDownWhile</c> exists, every call to the status store fails as if its disk or server
/// were gone. Deleting the file brings the store back.
/// </summary>
public sealed class FaultyStatusStore(IStatusStore inner, string switchFile) : IStatusStore
{
    public const string Setting = "Sluice:Faults:StatusStoreDownWhile";

    private Task Check()
        => File.Exists(switchFile) ? Task.FromException(new IOException("the status store is down (injected fault)")) : Task.CompletedTask;

    private async Task<T> Run<T>(Func<Task<T>> call)
    {
        await Check();
        return await call();
    }

    public Task<(DocumentStatus Status, bool Created)> RegisterAsync(DocumentRecord document, CancellationToken cancellationToken = default)
        => Run(() => inner.RegisterAsync(document, cancellationToken));

    public Task<DocumentStatus?> GetAsync(string documentId, CancellationToken cancellationToken = default)
        => Run(() => inner.GetAsync(documentId, cancellationToken));

    public Task<Page<DocumentStatus>> ListAsync(string tenant, int limit, string? cursor, CancellationToken cancellationToken = default)
        => Run(() => inner.ListAsync(tenant, limit, cursor, cancellationToken));

    public Task<bool> ApplyAsync(EventEnvelope statusEvent, CancellationToken cancellationToken = default)
        => Run(() => inner.ApplyAsync(statusEvent, cancellationToken));

    public Task<DocumentDeletion?> DeleteAsync(string documentId, CancellationToken cancellationToken = default)
        => Run(() => inner.DeleteAsync(documentId, cancellationToken));

    public Task<bool> IsDeletedAsync(string documentId, CancellationToken cancellationToken = default)
        => Run(() => inner.IsDeletedAsync(documentId, cancellationToken));

    public Task<RevisionState> GetRevisionStateAsync(string documentId, int revision, CancellationToken cancellationToken = default)
        => Run(() => inner.GetRevisionStateAsync(documentId, revision, cancellationToken));

    public Task<IReadOnlyList<BlobGarbage>> ClaimBlobGarbageAsync(int limit, TimeSpan staleAfter, CancellationToken cancellationToken = default)
        => Run(() => inner.ClaimBlobGarbageAsync(limit, staleAfter, cancellationToken));

    public async Task ReleaseBlobGarbageAsync(IReadOnlyList<BlobGarbage> removed, CancellationToken cancellationToken = default)
    {
        await Check();
        await inner.ReleaseBlobGarbageAsync(removed, cancellationToken);
    }

    public Task<bool> IsBlobCondemnedAsync(string uri, CancellationToken cancellationToken = default)
        => Run(() => inner.IsBlobCondemnedAsync(uri, cancellationToken));

    public Task<int> CountBlobGarbageAsync(CancellationToken cancellationToken = default)
        => Run(() => inner.CountBlobGarbageAsync(cancellationToken));

    public Task<TenantUsage> GetUsageAsync(string tenant, CancellationToken cancellationToken = default)
        => Run(() => inner.GetUsageAsync(tenant, cancellationToken));

    public Task<StatusCounts> CountAsync(CancellationToken cancellationToken = default)
        => Run(() => inner.CountAsync(cancellationToken));

    public Task<IReadOnlyList<DocumentStatus>> ListInProgressAsync(int limit, CancellationToken cancellationToken = default)
        => Run(() => inner.ListInProgressAsync(limit, cancellationToken));

    public Task MarkPublishedAsync(string documentId, int revision, CancellationToken cancellationToken = default)
        => Run(async () =>
        {
            await inner.MarkPublishedAsync(documentId, revision, cancellationToken);
            return true;
        });

    public Task<Page<DocumentRecord>> ListStaleAcceptedAsync(
        DateTimeOffset acceptedBefore, int limit, string? cursor = null, CancellationToken cancellationToken = default)
        => Run(() => inner.ListStaleAcceptedAsync(acceptedBefore, limit, cursor, cancellationToken));

    public Task<StatusPruning> PruneAsync(DateTimeOffset appliedBefore, DateTimeOffset deletedBefore, CancellationToken cancellationToken = default)
        => Run(() => inner.PruneAsync(appliedBefore, deletedBefore, cancellationToken));
}
