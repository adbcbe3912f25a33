using System.Data;
using System.Globalization;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Pgvector;
using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Postgres.Internal;
using Sluice.Postgres.Internal.Search;

namespace Sluice.Postgres;

/// <summary>
/// The search index in PostgreSQL: chunks with their vectors (pgvector, an HNSW index per vector dimension) and their
/// words (a generated <c>tsvector</c> with a GIN index) in one table, <c>search_chunks</c>. Vector search orders by
/// cosine distance through the HNSW index, with iterative scans so that tenant and document filters still yield k
/// results; keyword search matches any word of the query and ranks by cover density; hybrid fuses both rankings by
/// reciprocal rank (<see cref="RankFusion"/>), as the embedded index does.
/// </summary>
/// <remarks>
/// Scores are those of the embedded index where the meaning is shared: vector similarity is 1 - cosine distance, and a
/// hybrid score is the fused reciprocal-rank sum. Keyword scores are <c>ts_rank_cd</c>, not BM25: higher is better, but
/// the values differ, and a rare word does not weigh more than a common one.
/// </remarks>
public sealed partial class PostgresSearchIndex : ISearchIndex, IVectorMigration
{
    private readonly PostgresDatabase _database;
    private readonly PostgresSearchIndexOptions _options;
    private readonly VectorIndexes _vectorIndexes;

    public PostgresSearchIndex(PostgresDatabase database, IOptions<PostgresSearchIndexOptions> options, ILogger<PostgresSearchIndex>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _options = options.Value;
        _vectorIndexes = new VectorIndexes(database, logger ?? (ILogger)NullLogger<PostgresSearchIndex>.Instance);
    }

    public async Task UpsertAsync(
        string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckUpsert(tenant, documentId, embedder, chunks);
        if (chunks.Count > 0)
        {
            await _vectorIndexes.EnsureAsync(embedder.Dimensions, cancellationToken);
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await SearchWrites.ReplaceAsync(connection, tenant, documentId, embedder, chunks, _options.CopyThreshold, null, cancellationToken);
    }

    public async Task UpsertRangeAsync(
        string tenant, string documentId, EmbedderInfo embedder, int fromIndex, int toIndex, IReadOnlyList<IndexedChunk> chunks,
        CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckUpsertRange(tenant, documentId, embedder, fromIndex, toIndex, chunks);
        if (chunks.Count > 0)
        {
            await _vectorIndexes.EnsureAsync(embedder.Dimensions, cancellationToken);
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await SearchWrites.ReplaceAsync(connection, tenant, documentId, embedder, chunks, _options.CopyThreshold, (fromIndex, toIndex), cancellationToken);
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await SearchWrites.DeleteAsync(connection, documentId, cancellationToken);
    }

    public async Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return (int)await Sql.Command(connection, null, "SELECT count(*) FROM search_chunks WHERE document_id = $1")
            .With(documentId).ScalarAsync<long>(cancellationToken);
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        SearchIndexArguments.CheckQuery(query);
        if (query.DocumentIds is { Count: 0 })
        {
            return [];
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        switch (query.Mode)
        {
            case SearchMode.Keyword:
                return await KeywordAsync(connection, query, cancellationToken);
            case SearchMode.Vector:
            case SearchMode.Hybrid:
                // One snapshot for every statement of the search: a document replaced meanwhile is seen whole, old or new.
                await using (var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken))
                {
                    var hits = query.Mode == SearchMode.Vector
                        ? await VectorAsync(connection, transaction, query, cancellationToken)
                        : await HybridAsync(connection, transaction, query, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return hits;
                }

            default:
                throw new UnreachableException($"Unknown search mode {query.Mode}.");
        }
    }

    private static async Task<IReadOnlyList<SearchHit>> KeywordAsync(NpgsqlConnection connection, SearchQuery query, CancellationToken cancellationToken)
    {
        var words = KeywordTerms.Extract(query.Text);
        if (words.Count == 0)
        {
            return [];
        }

        var hits = new List<SearchHit>();
        await using var command = new NpgsqlCommand(SearchSql.Keyword(query.DocumentIds is not null, idsOnly: false), connection);
        AddFilters(command.Parameters, words.ToArray(), query, query.K);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(HitReader.Read(reader, reader.GetDouble(7)));
        }

        return hits;
    }

    private async Task<IReadOnlyList<SearchHit>> VectorAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SearchQuery query, CancellationToken cancellationToken)
    {
        var hits = new List<SearchHit>();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Settings(query.K));
            var nearest = new NpgsqlBatchCommand(SearchSql.Nearest(query.Vector!.Length, query.DocumentIds is not null, idsOnly: false));
            AddFilters(nearest.Parameters, new Vector(query.Vector), query, query.K);
            nearest.Parameters.Add(new NpgsqlParameter { Value = query.Embedder!.ToString() });
            batch.BatchCommands.Add(nearest);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                hits.Add(HitReader.Read(reader, HitReader.Similarity(reader.GetDouble(7))));
            }
        }

        if (hits.Count == 0)
        {
            await CheckDimensionsAsync(connection, query.Vector.Length, cancellationToken);
        }

        return hits;
    }

    private async Task<IReadOnlyList<SearchHit>> HybridAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SearchQuery query, CancellationToken cancellationToken)
    {
        var depth = RankFusion.Depth(query.K);
        var words = KeywordTerms.Extract(query.Text);
        var vector = new List<string>(depth);
        var keyword = new List<string>(depth);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Settings(depth));
            var nearest = new NpgsqlBatchCommand(SearchSql.Nearest(query.Vector!.Length, query.DocumentIds is not null, idsOnly: true));
            AddFilters(nearest.Parameters, new Vector(query.Vector), query, depth);
            nearest.Parameters.Add(new NpgsqlParameter { Value = query.Embedder!.ToString() });
            batch.BatchCommands.Add(nearest);
            if (words.Count > 0)
            {
                var matching = new NpgsqlBatchCommand(SearchSql.Keyword(query.DocumentIds is not null, idsOnly: true));
                AddFilters(matching.Parameters, words.ToArray(), query, depth);
                batch.BatchCommands.Add(matching);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                vector.Add(reader.GetString(0));
            }

            if (await reader.NextResultAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    keyword.Add(reader.GetString(0));
                }
            }
        }

        if (vector.Count == 0)
        {
            await CheckDimensionsAsync(connection, query.Vector.Length, cancellationToken);
        }

        var fused = RankFusion.Fuse(vector, keyword).Take(query.K).ToList();
        var rows = new Dictionary<string, SearchHit>(StringComparer.Ordinal);
        if (fused.Count > 0)
        {
            await using var command = new NpgsqlCommand(SearchSql.Rows, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = fused.Select(f => f.ChunkId).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var hit = HitReader.Read(reader, 0);
                rows[hit.ChunkId] = hit;
            }
        }

        return [.. fused.Where(f => rows.ContainsKey(f.ChunkId)).Select(f => rows[f.ChunkId] with { Score = f.Score })];
    }

    /// <summary>
    /// A vector search that found nothing: when the index holds vectors, but none of the query's dimension, the query
    /// was embedded by another model than the documents, which is the caller's mistake, said as such.
    /// </summary>
    private static async Task CheckDimensionsAsync(NpgsqlConnection connection, int dimensions, CancellationToken cancellationToken)
    {
        var held = await VectorIndexes.HeldAsync(connection, cancellationToken);
        if (held.Length > 0 && !held.Contains(dimensions))
        {
            throw new ArgumentException(
                $"The query vector has {dimensions} dimensions, but the index holds vectors of {string.Join(" and ", held)} dimensions; "
                + "embed the query with the model that indexed the documents.");
        }
    }

    private NpgsqlBatchCommand Settings(int depth)
    {
        var command = new NpgsqlBatchCommand(SearchSql.Settings);
        var efSearch = Math.Clamp(Math.Max(_options.EfSearch, depth), 1, 1000);
        command.Parameters.Add(new NpgsqlParameter { Value = efSearch.ToString(CultureInfo.InvariantCulture) });
        command.Parameters.Add(new NpgsqlParameter { Value = _options.MaxScanTuples.ToString(CultureInfo.InvariantCulture) });
        return command;
    }

    /// <summary>The parameters every search statement takes: its query ($1), tenant ($2), limit ($3), documents ($4).</summary>
    private static void AddFilters(NpgsqlParameterCollection parameters, object queryValue, SearchQuery query, int limit)
    {
        parameters.Add(new NpgsqlParameter { Value = queryValue });
        parameters.Add(new NpgsqlParameter { Value = query.Tenant });
        parameters.Add(new NpgsqlParameter { Value = limit });
        if (query.DocumentIds is not null)
        {
            parameters.Add(new NpgsqlParameter { Value = query.DocumentIds.Distinct(StringComparer.Ordinal).ToArray() });
        }
    }
}
