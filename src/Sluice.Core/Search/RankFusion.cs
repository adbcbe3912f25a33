namespace Sluice.Core.Search;

/// <summary>
/// Reciprocal rank fusion, the hybrid ranking of every search index: a chunk scores the sum over the rankings that
/// contain it of 1 / (k + rank), with 1-based ranks. Ties are broken by ordinal chunk id, so the order is deterministic.
/// In Core so that every index fuses alike: a hybrid query must rank the same on the embedded index and on PostgreSQL.
/// </summary>
public static class RankFusion
{
    public const int K = 60;

    /// <summary>How deep each ranking goes before fusion, for <paramref name="k"/> fused results.</summary>
    public static int Depth(int k) => Math.Max(50, 4 * k);

    /// <summary>The fused order of the chunk ids with their scores, best first.</summary>
    public static List<(string ChunkId, double Score)> Fuse(params IReadOnlyList<string>[] rankings)
    {
        ArgumentNullException.ThrowIfNull(rankings);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var ranking in rankings)
        {
            for (var i = 0; i < ranking.Count; i++)
            {
                scores[ranking[i]] = scores.GetValueOrDefault(ranking[i]) + (1.0 / (K + i + 1));
            }
        }

        var fused = scores.Select(s => (ChunkId: s.Key, Score: s.Value)).ToList();
        fused.Sort((x, y) =>
        {
            var byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : string.CompareOrdinal(x.ChunkId, y.ChunkId);
        });
        return fused;
    }
}
