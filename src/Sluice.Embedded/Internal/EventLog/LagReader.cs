using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// A consumer group's lag from the log's own tables, in one read transaction: per partition the end offset
/// (<c>partitions.next_offset</c>), the group's commit, the oldest record kept, and the timestamp of the first record
/// the group has still to read. Every lookup is by primary key, so it costs a few index probes per partition.
/// </summary>
internal static class LagReader
{
    public static IReadOnlyList<PartitionLag> Read(SqliteConnection connection, string groupId, IReadOnlyCollection<string> topics)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        using var positions = connection.CreateCommand();
        positions.Transaction = transaction;
        positions.CommandText = """
            SELECT p.partition, p.next_offset,
                   (SELECT c.next_offset FROM committed_offsets c WHERE c.group_id = $group AND c.topic = p.topic AND c.partition = p.partition),
                   (SELECT MIN(r.offset) FROM records r WHERE r.topic = p.topic AND r.partition = p.partition)
            FROM partitions p WHERE p.topic = $topic ORDER BY p.partition;
            """;
        positions.Parameters.AddWithValue("$group", groupId);
        var topicParameter = positions.Parameters.Add("$topic", SqliteType.Text);

        using var oldest = connection.CreateCommand();
        oldest.Transaction = transaction;
        oldest.CommandText = """
            SELECT timestamp_ms FROM records WHERE topic = $topic AND partition = $partition AND offset >= $offset
            ORDER BY offset LIMIT 1;
            """;
        var oldestTopic = oldest.Parameters.Add("$topic", SqliteType.Text);
        var oldestPartition = oldest.Parameters.Add("$partition", SqliteType.Integer);
        var oldestOffset = oldest.Parameters.Add("$offset", SqliteType.Integer);

        var lags = new List<PartitionLag>();
        foreach (var topic in topics.Distinct(StringComparer.Ordinal))
        {
            topicParameter.Value = topic;
            var rows = new List<(int Partition, long End, long? Committed, long Start)>();
            using (var reader = positions.ExecuteReader())
            {
                while (reader.Read())
                {
                    var end = reader.GetInt64(1);
                    rows.Add((reader.GetInt32(0), end, reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? end : reader.GetInt64(3)));
                }
            }

            foreach (var (partition, end, committed, start) in rows)
            {
                var (lag, resume) = PartitionLag.Compute(committed, start, end);
                DateTimeOffset? oldestAt = null;
                if (lag > 0)
                {
                    oldestTopic.Value = topic;
                    oldestPartition.Value = partition;
                    oldestOffset.Value = resume;
                    if (oldest.ExecuteScalar() is long ms)
                    {
                        oldestAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    }
                }

                lags.Add(new PartitionLag(topic, partition, committed, end, lag, oldestAt));
            }
        }

        transaction.Commit();
        return lags;
    }
}
