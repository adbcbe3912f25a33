using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Kafka's round-robin assignment: members sorted by id, partitions sorted by (topic, partition), each partition
/// dealt to the next member subscribed to its topic. Every member computes the same result from the same view.
/// </summary>
internal static class RoundRobinAssignor
{
    public static IReadOnlySet<TopicPartition> AssignmentOf(
        string memberId, IReadOnlyList<GroupMember> members, IReadOnlyDictionary<string, int> partitionCounts)
    {
        var sorted = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToArray();
        var mine = new HashSet<TopicPartition>();
        if (sorted.Length == 0)
        {
            return mine;
        }

        var topics = sorted.SelectMany(m => m.Topics).Distinct(StringComparer.Ordinal)
            .Where(partitionCounts.ContainsKey)
            .Order(StringComparer.Ordinal);
        var cursor = 0;
        foreach (var topic in topics)
        {
            for (var partition = 0; partition < partitionCounts[topic]; partition++)
            {
                for (var tried = 0; tried < sorted.Length; tried++)
                {
                    var candidate = sorted[cursor % sorted.Length];
                    cursor++;
                    if (candidate.Topics.Contains(topic))
                    {
                        if (string.Equals(candidate.MemberId, memberId, StringComparison.Ordinal))
                        {
                            mine.Add(new TopicPartition(topic, partition));
                        }

                        break;
                    }
                }
            }
        }

        return mine;
    }
}

internal sealed record GroupMember(string MemberId, IReadOnlySet<string> Topics);
