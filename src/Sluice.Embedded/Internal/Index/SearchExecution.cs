using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;
using Sluice.Core.Search;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// One search, inside a read transaction whose view of the file is the generation of <paramref name="snapshot"/>:
/// vector matches from the snapshot, keyword matches and result rows from the same view, so a document being
/// replaced is seen entirely old or entirely new.
/// </summary>
internal sealed class SearchExecution(SqliteConnection connection, VectorSnapshot snapshot, SearchQuery query)
{
    public async Task<IReadOnlyList<SearchHit>> RunAsync(CancellationToken cancellationToken = default)
    {
        switch (query.Mode)
        {
            case SearchMode.Keyword:
                return await KeywordAsync(query.K, cancellationToken);
            case SearchMode.Vector:
                var matches = Vector(query.K);
                var rows = await HitRows.FetchAsync(connection, matches.Select(m => m.RowId), cancellationToken);
                return [.. matches.Where(m => rows.ContainsKey(m.RowId)).Select(m => rows[m.RowId] with { Score = m.Score })];
            case SearchMode.Hybrid:
                return await HybridAsync(cancellationToken);
            default:
                throw new UnreachableException($"Unknown search mode {query.Mode}.");
        }
    }

    private async Task<IReadOnlyList<SearchHit>> HybridAsync(CancellationToken cancellationToken)
    {
        var depth = RankFusion.Depth(query.K);
        var vector = Vector(depth);
        var keyword = await KeywordAsync(depth, cancellationToken);
        var fused = RankFusion.Fuse([.. vector.Select(m => m.ChunkId)], [.. keyword.Select(h => h.ChunkId)]).Take(query.K).ToList();

        var byKeyword = keyword.ToDictionary(h => h.ChunkId, StringComparer.Ordinal);
        var vectorRows = vector.Where(m => !byKeyword.ContainsKey(m.ChunkId)).ToDictionary(m => m.ChunkId, m => m.RowId, StringComparer.Ordinal);
        var needed = fused.Where(f => vectorRows.ContainsKey(f.ChunkId)).Select(f => vectorRows[f.ChunkId]);
        var rows = await HitRows.FetchAsync(connection, needed, cancellationToken);

        var hits = new List<SearchHit>(fused.Count);
        foreach (var (chunkId, score) in fused)
        {
            var hit = byKeyword.GetValueOrDefault(chunkId)
                ?? (vectorRows.TryGetValue(chunkId, out var rowId) ? rows.GetValueOrDefault(rowId) : null);
            if (hit is not null)
            {
                hits.Add(hit with { Score = score });
            }
        }

        return hits;
    }

    private Task<List<SearchHit>> KeywordAsync(int depth, CancellationToken cancellationToken) =>
        KeywordSearcher.SearchAsync(connection, query.Text, query.Tenant, query.DocumentIds, depth, cancellationToken);

    private List<VectorMatch> Vector(int depth)
    {
        return VectorSearcher.Search(snapshot, query.Vector, query.Embedder!.ToString(), query.Tenant, query.DocumentIds, depth);
    }
}
