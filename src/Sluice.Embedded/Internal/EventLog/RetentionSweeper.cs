using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Deletes records older than their topic's retention, Kafka-like: the oldest prefix of each partition, whatever
/// the consumers' positions. Deletes in small transactions so that producers are not held up.
/// </summary>
internal sealed class RetentionSweeper(SqliteConnectionFactory connections, TimeProvider time, ILogger logger)
{
    private const long OffsetsPerTransaction = 5_000;

    /// <summary>Runs one sweep; returns how many records were deleted.</summary>
    public long Sweep(CancellationToken cancellationToken = default)
    {
        using var connection = connections.Open();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var partitions = new List<(string Topic, int Partition, long CutoffMs)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT p.topic, p.partition, t.retention_ms FROM partitions p JOIN topics t ON t.name = p.topic;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                partitions.Add((reader.GetString(0), reader.GetInt32(1), now - reader.GetInt64(2)));
            }
        }

        long deleted = 0;
        foreach (var (topic, partition, cutoff) in partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = SweepPartition(connection, topic, partition, cutoff, cancellationToken);
            if (count > 0)
            {
                EventLogLog.RetentionDeleted(logger, count, topic, partition);
                deleted += count;
            }
        }

        return deleted;
    }

    private static long SweepPartition(SqliteConnection connection, string topic, int partition, long cutoffMs, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$topic", topic);
        command.Parameters.AddWithValue("$partition", partition);
        command.Parameters.AddWithValue("$cutoff", cutoffMs);

        // The first record to keep: offsets grow with time, so everything before it is expired.
        command.CommandText = """
            SELECT COALESCE(
                (SELECT offset FROM records WHERE topic = $topic AND partition = $partition AND timestamp_ms >= $cutoff ORDER BY offset LIMIT 1),
                (SELECT next_offset FROM partitions WHERE topic = $topic AND partition = $partition));
            """;
        var keepFrom = command.ExecuteScalar() is long k ? k : 0;
        command.CommandText = "SELECT MIN(offset) FROM records WHERE topic = $topic AND partition = $partition;";
        if (command.ExecuteScalar() is not long start)
        {
            return 0;
        }

        command.CommandText = "DELETE FROM records WHERE topic = $topic AND partition = $partition AND offset >= $from AND offset < $to;";
        var from = command.Parameters.Add("$from", SqliteType.Integer);
        var to = command.Parameters.Add("$to", SqliteType.Integer);
        long deleted = 0;
        while (start < keepFrom)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(start + OffsetsPerTransaction, keepFrom);
            from.Value = start;
            to.Value = end;
            deleted += WriteTransaction.Run(connection, _ => command.ExecuteNonQuery());
            start = end;
        }

        return deleted;
    }
}
