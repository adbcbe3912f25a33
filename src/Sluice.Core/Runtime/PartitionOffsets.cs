namespace Sluice.Core.Runtime;

/// <summary>
/// Offset bookkeeping for one partition whose records finish out of order. The committable offset is
/// the smallest offset still in flight, or one past the highest offset seen when nothing is in flight:
/// only the contiguous prefix of finished records is ever committed, so a crash redelivers every record
/// that had not finished and none that had been committed.
/// </summary>
public sealed class PartitionOffsets
{
    private readonly SortedSet<long> _inFlight = [];
    private long _highestSeen = -1;

    /// <summary>Last committed next-offset-to-read (initially the first offset seen), or -1 before any record.</summary>
    public long Committed { get; private set; } = -1;

    public int InFlight => _inFlight.Count;

    /// <summary>Records that a record at <paramref name="offset"/> was handed out for processing.</summary>
    public void Start(long offset)
    {
        if (Committed < 0)
        {
            // The first record handed out marks where this member's position began.
            Committed = offset;
        }

        _inFlight.Add(offset);
        if (offset > _highestSeen)
        {
            _highestSeen = offset;
        }
    }

    /// <summary>Records that the record at <paramref name="offset"/> is done; unknown offsets are ignored.</summary>
    public bool Complete(long offset) => _inFlight.Remove(offset);

    /// <summary>The next offset to read that may be committed now, or -1 when nothing was seen.</summary>
    public long Committable => _inFlight.Count > 0 ? _inFlight.Min : _highestSeen + 1;

    /// <summary>True when <see cref="Committable"/> moved past <see cref="Committed"/>.</summary>
    public bool HasProgress => Committed >= 0 && Committable > Committed;

    public void MarkCommitted(long offset)
    {
        if (offset > Committed)
        {
            Committed = offset;
        }
    }
}
