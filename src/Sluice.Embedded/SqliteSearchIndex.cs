using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Embedded.Internal.Index;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// The embedded search index: chunks, their vectors and an FTS5 keyword index in one SQLite file (WAL),
/// with exact vector search over an in-memory copy of the vectors. Several processes may share the file;
/// each notices the others' writes before it searches and reloads only the documents they changed.
/// </summary>
/// <remarks>
/// Vector search compares the query only with vectors its own embedder (<c>name@version</c>) produced; the
/// embedder is recorded with every row, and re-embedding a document replaces
/// all of its vectors.
/// </remarks>
public sealed partial class SqliteSearchIndex : ISearchIndex, IVectorMigration, IDisposable
{
    private const int MaxAttempts = 5;
    private readonly SqliteSearchIndexOptions _options;
    private readonly SqliteFile _file;
    private readonly VectorCache _cache;

    public SqliteSearchIndex(IOptions<SqliteSearchIndexOptions> options, ILogger<SqliteSearchIndex>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Validator.ValidateObject(_options, new ValidationContext(_options), validateAllProperties: true);
        _file = new SqliteFile(_options.Path, IndexSchema.Sql, holdsContent: true);
        _cache = new VectorCache(_options.Path, logger ?? (ILogger)NullLogger<SqliteSearchIndex>.Instance);
    }

    /// <summary>Chunks held in memory for vector search (0 until the first search loads them).</summary>
    internal long LoadedChunks => _cache.Current?.ChunkCount ?? 0;

    public async Task UpsertAsync(
        string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckUpsert(tenant, documentId, embedder, chunks);
        await using var connection = await _file.OpenAsync(cancellationToken);
        var (change, rowIds) = await IndexWriter.ReplaceAsync(connection, tenant, documentId, embedder, chunks, cancellationToken: cancellationToken);
        DocumentVectors? vectors = null;
        if (chunks.Count > 0)
        {
            var flat = new float[chunks.Count * embedder.Dimensions];
            for (var i = 0; i < chunks.Count; i++)
            {
                chunks[i].Vector.CopyTo(flat, i * embedder.Dimensions);
            }

            vectors = new DocumentVectors(
                tenant, documentId, embedder.ToString(), embedder.Dimensions, rowIds, [.. chunks.Select(c => c.Chunk.Id)], flat);
        }

        await _cache.ApplyAsync(change, documentId, vectors);
    }

    /// <remarks>
    /// The in-memory vectors are not patched with the batch: they hold whole documents, so the next search notices the
    /// new generation and reloads this document from the file, once, however many batches landed meanwhile.
    /// </remarks>
    public async Task UpsertRangeAsync(
        string tenant, string documentId, EmbedderInfo embedder, int fromIndex, int toIndex, IReadOnlyList<IndexedChunk> chunks,
        CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckUpsertRange(tenant, documentId, embedder, fromIndex, toIndex, chunks);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await IndexWriter.ReplaceAsync(connection, tenant, documentId, embedder, chunks, (fromIndex, toIndex), cancellationToken);
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = await _file.OpenAsync(cancellationToken);
        if (await IndexWriter.DeleteAsync(connection, documentId, cancellationToken) is { } change)
        {
            await _cache.ApplyAsync(change, documentId, null);
        }
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckQuery(query, _options.MaxResults);

        for (var attempt = 1; ; attempt++)
        {
            // A snapshot installed before this transaction began cannot be newer than what it reads, unless
            // the file was replaced by an older one: then the snapshot must be rebuilt from the file.
            var known = _cache.Current?.Generation ?? 0;
            await using var connection = await _file.OpenAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction(deferred: true);
            var generation = await IndexGeneration.CurrentAsync(connection, cancellationToken);
            var snapshot = query.Mode == SearchMode.Keyword
                ? VectorSnapshot.Empty
                : await _cache.AtAsync(connection, generation, rewind: generation < known, cancellationToken);
            if (snapshot is null && attempt < MaxAttempts)
            {
                // A write landed after this transaction began and the snapshot already includes it: read again.
                continue;
            }

            // After repeated races, search the newer snapshot: rows this transaction cannot see are left out.
            snapshot ??= _cache.Current!;

            if (query.Mode != SearchMode.Keyword && !snapshot.Holds(query.Vector!.Length))
            {
                throw new ArgumentException(
                    $"The query vector has {query.Vector.Length} dimensions, but the index holds vectors of {snapshot.DescribeDimensions()} dimensions; "
                    + "embed the query with the model that indexed the documents.",
                    nameof(query));
            }

            return await new SearchExecution(connection, snapshot, query).RunAsync(cancellationToken);
        }
    }

    public async Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM search_chunks WHERE document_id = $doc";
        command.Parameters.AddWithValue("$doc", documentId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _cache.Dispose();
}
