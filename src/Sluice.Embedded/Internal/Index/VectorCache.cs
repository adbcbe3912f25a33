using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// The process's copy of the file's vectors, loaded on first search. This process's own writes are applied
/// directly when the copy is current; writes by other processes are noticed through the file's generation
/// and only the documents they changed are reloaded. Loads run inside the caller's read transaction, so a
/// snapshot always reflects exactly one generation of the file.
/// </summary>
internal sealed class VectorCache(string path, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile VectorSnapshot? _snapshot;

    /// <summary>The snapshot as loaded so far (null before the first search); for diagnostics.</summary>
    public VectorSnapshot? Current => _snapshot;

    /// <summary>
    /// The snapshot at <paramref name="generation"/>, which the caller read in its open read transaction on
    /// <paramref name="connection"/>; catches up when behind. Null when a newer snapshot is already installed
    /// (the caller's transaction is stale and should be retried), unless <paramref name="rewind"/> asks to
    /// reload the file as it is in this transaction (a file replaced by an older one).
    /// </summary>
    public async Task<VectorSnapshot?> AtAsync(SqliteConnection connection, long generation, bool rewind, CancellationToken cancellationToken = default)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && (snapshot.Generation == generation || (snapshot.Generation > generation && !rewind)))
        {
            return snapshot.Generation == generation ? snapshot : null;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && snapshot.Generation == generation)
            {
                return snapshot;
            }

            if (snapshot is not null && snapshot.Generation > generation && !rewind)
            {
                return null;
            }

            var changed = snapshot is null || snapshot.Generation > generation
                ? null
                : await IndexGeneration.ChangedSinceAsync(connection, snapshot.Generation, cancellationToken);
            snapshot = changed is null
                ? await LoadAllAsync(connection, generation, cancellationToken)
                : await CatchUpAsync(connection, snapshot!, generation, changed, cancellationToken);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies this process's committed write when the snapshot is exactly one generation behind it.</summary>
    public async Task ApplyAsync(IndexChange change, string documentId, DocumentVectors? vectors)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            var snapshot = _snapshot;
            if (snapshot is not null && snapshot.Generation == change.Previous)
            {
                _snapshot = snapshot.With(change.Generation, [(documentId, vectors)]);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<VectorSnapshot> LoadAllAsync(SqliteConnection connection, long generation, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var documents = await VectorLoader.LoadAllAsync(connection, cancellationToken);
        var snapshot = VectorSnapshot.Create(generation, documents);
        SearchIndexLog.Loaded(logger, snapshot.ChunkCount, documents.Count, path, watch.Elapsed.TotalMilliseconds);
        return snapshot;
    }

    private async Task<VectorSnapshot> CatchUpAsync(
        SqliteConnection connection, VectorSnapshot snapshot, long generation, IReadOnlyList<string> changed, CancellationToken cancellationToken)
    {
        var replacements = new List<(string, DocumentVectors?)>(changed.Count);
        foreach (var documentId in changed)
        {
            replacements.Add((documentId, await VectorLoader.LoadDocumentAsync(connection, documentId, cancellationToken)));
        }

        SearchIndexLog.CaughtUp(logger, changed.Count, snapshot.Generation, generation);
        return snapshot.With(generation, replacements);
    }
}
