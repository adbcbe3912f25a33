using Sluice.Cli.Eval;

namespace Sluice.Cli.Tests;

public class RetrievalMetricsTests
{
    private static readonly Dictionary<string, int> Relevant = new() { ["a"] = 1, ["b"] = 1 };

    [Fact]
    public void Ndcg_IsOne_ForAnIdealRanking_AndDiscountsLaterHits()
    {
        Assert.Equal(1.0, RetrievalMetrics.NdcgAt(["a", "b", "x"], Relevant, 10), 6);

        // Hits at ranks 2 and 3: (1/log2(3) + 1/log2(4)) / (1 + 1/log2(3)).
        var expected = ((1 / Math.Log2(3)) + 0.5) / (1 + (1 / Math.Log2(3)));
        Assert.Equal(expected, RetrievalMetrics.NdcgAt(["x", "a", "b"], Relevant, 10), 6);
        Assert.Equal(0, RetrievalMetrics.NdcgAt(["x", "y", "a"], Relevant, 2));
    }

    [Fact]
    public void Ndcg_UsesGradedGains()
    {
        var graded = new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 };

        var swapped = RetrievalMetrics.NdcgAt(["b", "a"], graded, 10);

        Assert.Equal(((1.0 / 1) + (2 / Math.Log2(3))) / ((2.0 / 1) + (1 / Math.Log2(3))), swapped, 6);
    }

    [Fact]
    public void Recall_CountsRelevantFoundWithinK()
    {
        Assert.Equal(0.5, RetrievalMetrics.RecallAt(["x", "a", "y"], Relevant, 100));
        Assert.Equal(0, RetrievalMetrics.RecallAt(["x", "a"], Relevant, 1));
        Assert.Equal(1, RetrievalMetrics.RecallAt(["b", "a"], Relevant, 2));
    }

    [Fact]
    public void Mrr_IsTheReciprocalRankOfTheFirstHitWithinK()
    {
        Assert.Equal(1.0 / 3, RetrievalMetrics.MrrAt(["x", "y", "b", "a"], Relevant, 10), 6);
        Assert.Equal(0, RetrievalMetrics.MrrAt(["x", "y", "b"], Relevant, 2));
    }
}
