namespace Sluice.Embedded.Internal.Index;

/// <summary>A scored chunk of the in-memory vectors.</summary>
internal readonly record struct VectorMatch(long RowId, string ChunkId, float Score);

/// <summary>
/// Keeps the best <c>k</c> matches seen (higher score first, ties by ordinal chunk id) in a bounded min-heap
/// whose root is the worst kept match, so most candidates are rejected by one comparison.
/// </summary>
internal sealed class TopK
{
    private readonly int _capacity;
    private readonly PriorityQueue<VectorMatch, VectorMatch> _heap;

    public TopK(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _heap = new PriorityQueue<VectorMatch, VectorMatch>(capacity + 1, WorstFirst.Instance);
    }

    /// <summary>Ordering of the results: score descending, then chunk id ascending.</summary>
    public static int Compare(VectorMatch x, VectorMatch y)
    {
        var byScore = y.Score.CompareTo(x.Score);
        return byScore != 0 ? byScore : string.CompareOrdinal(x.ChunkId, y.ChunkId);
    }

    /// <summary>Whether a candidate with this score could enter (cheap pre-check before building the match).</summary>
    public bool Admits(float score) => _heap.Count < _capacity || score >= _heap.Peek().Score;

    public void Offer(VectorMatch match)
    {
        if (_heap.Count < _capacity)
        {
            _heap.Enqueue(match, match);
        }
        else if (Compare(match, _heap.Peek()) < 0)
        {
            _heap.EnqueueDequeue(match, match);
        }
    }

    /// <summary>The kept matches, best first.</summary>
    public List<VectorMatch> ToList()
    {
        var list = _heap.UnorderedItems.Select(i => i.Element).ToList();
        list.Sort(Compare);
        return list;
    }

    /// <summary>Heap order: the worst match (lowest score, then greatest chunk id) at the root.</summary>
    private sealed class WorstFirst : IComparer<VectorMatch>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare(VectorMatch x, VectorMatch y) => TopK.Compare(y, x);
    }
}
