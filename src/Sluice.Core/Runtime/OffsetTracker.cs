using Sluice.Core.Ports;

namespace Sluice.Core.Runtime;

/// <summary>
/// <see cref="PartitionOffsets"/> for every assigned partition of one consumer. Owned by the poll loop;
/// not thread-safe.
/// </summary>
public sealed class OffsetTracker
{
    private readonly Dictionary<TopicPartition, PartitionOffsets> _partitions = [];

    public void Start(TopicPartition partition, long offset)
    {
        if (!_partitions.TryGetValue(partition, out var offsets))
        {
            offsets = new PartitionOffsets();
            _partitions.Add(partition, offsets);
        }

        offsets.Start(offset);
    }

    /// <summary>Marks a record done; returns false when its partition was revoked meanwhile.</summary>
    public bool Complete(TopicPartition partition, long offset)
        => _partitions.TryGetValue(partition, out var offsets) && offsets.Complete(offset);

    public int InFlight(TopicPartition partition)
        => _partitions.TryGetValue(partition, out var offsets) ? offsets.InFlight : 0;

    public int TotalInFlight => _partitions.Values.Sum(p => p.InFlight);

    /// <summary>Offsets that moved since the last commit, for partitions still tracked.</summary>
    public IReadOnlyList<TopicPartitionOffset> Committable()
        => [.. _partitions.Where(p => p.Value.HasProgress)
            .Select(p => new TopicPartitionOffset(p.Key.Topic, p.Key.Partition, p.Value.Committable))];

    public void MarkCommitted(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            if (_partitions.TryGetValue(offset.TopicPartition, out var partition))
            {
                partition.MarkCommitted(offset.Offset);
            }
        }
    }

    /// <summary>
    /// Forgets revoked partitions and returns what may be committed for them. Work still in flight on
    /// them will be redelivered to the partition's next owner.
    /// </summary>
    public IReadOnlyCollection<TopicPartitionOffset> Revoke(IEnumerable<TopicPartition> partitions)
    {
        var result = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (_partitions.Remove(partition, out var offsets) && offsets.HasProgress)
            {
                result.Add(new TopicPartitionOffset(partition.Topic, partition.Partition, offsets.Committable));
            }
        }

        return result;
    }
}
