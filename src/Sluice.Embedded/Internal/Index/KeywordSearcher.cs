using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Index;

/// <summary>Full-text search with FTS5, ranked by BM25 (reported as <c>-bm25()</c>, so higher is better).</summary>
internal static class KeywordSearcher
{
    private const string Sql = $"""
        SELECT {HitRows.Columns}, -bm25(search_chunks_fts) AS score
        FROM search_chunks_fts JOIN search_chunks c ON c.row_id = search_chunks_fts.rowid
        WHERE search_chunks_fts MATCH $query
          AND c.tenant = $tenant
          AND ($documents IS NULL OR c.document_id IN (SELECT value FROM json_each($documents)))
        ORDER BY score DESC, c.chunk_id
        LIMIT $limit
        """;

    /// <summary>The best <paramref name="depth"/> chunks matching any word of <paramref name="text"/>, best first.</summary>
    public static async Task<List<SearchHit>> SearchAsync(
        SqliteConnection connection, string? text, string tenant, IReadOnlyCollection<string>? documentIds, int depth,
        CancellationToken cancellationToken = default)
    {
        var hits = new List<SearchHit>();
        var query = FtsQuery.Build(text);
        if (query is null || documentIds is { Count: 0 })
        {
            return hits;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.Parameters.AddWithValue("$query", query);
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$documents", HitRows.JsonArrayOrNull(documentIds));
        command.Parameters.AddWithValue("$limit", depth);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(HitRows.Read(reader, reader.GetDouble(8)));
        }

        return hits;
    }
}
