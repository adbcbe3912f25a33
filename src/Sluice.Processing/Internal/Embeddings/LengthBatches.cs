namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// Groups inputs of similar length into batches, so that padding to the longest in a batch wastes little work.
/// Each batch lists positions in the original order's numbering.
/// </summary>
internal static class LengthBatches
{
    public static IEnumerable<int[]> Plan(IReadOnlyList<int> lengths, int batchSize)
    {
        var order = new int[lengths.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // A stable sort: equal lengths keep their input order.
        var sorted = order.OrderBy(i => lengths[i]).ToArray();
        for (var start = 0; start < sorted.Length; start += batchSize)
        {
            yield return sorted[start..Math.Min(sorted.Length, start + batchSize)];
        }
    }
}
