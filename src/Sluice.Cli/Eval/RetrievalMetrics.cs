namespace Sluice.Cli.Eval;

/// <summary>The standard ranking metrics, as BEIR computes them (trec_eval definitions, linear gain).</summary>
internal static class RetrievalMetrics
{
    /// <summary>nDCG@k: discounted gain of the ranking over the gain of the ideal ranking.</summary>
    public static double NdcgAt(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> relevance, int k)
    {
        var dcg = 0.0;
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (relevance.TryGetValue(ranking[i], out var gain) && gain > 0)
            {
                dcg += gain / Math.Log2(i + 2);
            }
        }

        var ideal = relevance.Values.Where(g => g > 0).OrderDescending().Take(k).Select((g, i) => g / Math.Log2(i + 2)).Sum();
        return ideal == 0 ? 0 : dcg / ideal;
    }

    /// <summary>Recall@k: the share of relevant documents found in the first k.</summary>
    public static double RecallAt(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> relevance, int k)
    {
        var relevant = relevance.Count(r => r.Value > 0);
        return relevant == 0 ? 0 : (double)ranking.Take(k).Count(id => relevance.TryGetValue(id, out var g) && g > 0) / relevant;
    }

    /// <summary>MRR@k: one over the rank of the first relevant document within the first k, else 0.</summary>
    public static double MrrAt(IReadOnlyList<string> ranking, IReadOnlyDictionary<string, int> relevance, int k)
    {
        for (var i = 0; i < Math.Min(k, ranking.Count); i++)
        {
            if (relevance.TryGetValue(ranking[i], out var gain) && gain > 0)
            {
                return 1.0 / (i + 1);
            }
        }

        return 0;
    }
}
