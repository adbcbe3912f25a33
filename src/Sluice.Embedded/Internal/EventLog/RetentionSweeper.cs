using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Deletes records older than their topic's retention, but never one that a consumer group of the topic has not
/// read: the groups known to read a topic are those that subscribed to it (<c>topic_readers</c>) or committed on
/// it, and a partition is cut at most at the lowest offset they committed (a reader without a commit on a
/// partition holds all of it). Only the hard cap (<see cref="SqliteEventLogOptions.MaxRetention"/>) deletes unread
/// records, and each time it does, the sweep reports it. Deletes in small transactions so that producers are not
/// held up.
/// </summary>
internal sealed class RetentionSweeper(SqliteConnectionFactory connections, TimeSpan? maxRetention, TimeProvider time, ILogger logger)
{
    private const long OffsetsPerTransaction = 5_000;

    /// <summary>Runs one sweep; returns how many records were deleted, and every partition where unread ones were.</summary>
    public SweepResult Sweep(CancellationToken cancellationToken = default)
    {
        using var connection = connections.Open();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long? hardCutoff = maxRetention is { } max ? now - (long)max.TotalMilliseconds : null;
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
        var unread = new List<RetentionLoss>();
        foreach (var (topic, partition, cutoff) in partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (count, lost) = SweepPartition(connection, topic, partition, cutoff, hardCutoff, cancellationToken);
            if (count > 0)
            {
                EventLogLog.RetentionDeleted(logger, count, topic, partition);
                deleted += count;
            }

            if (lost is not null)
            {
                EventLogLog.UnreadRecordsDeleted(logger, lost.Count, topic, partition, string.Join(", ", lost.Groups), maxRetention!.Value);
                unread.Add(lost);
            }
        }

        return new SweepResult(deleted, unread);
    }

    private static (long Deleted, RetentionLoss? Lost) SweepPartition(
        SqliteConnection connection, string topic, int partition, long cutoffMs, long? hardCutoffMs, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$topic", topic);
        command.Parameters.AddWithValue("$partition", partition);
        var cutoff = command.Parameters.Add("$cutoff", SqliteType.Integer);
        command.CommandText = "SELECT MIN(offset) FROM records WHERE topic = $topic AND partition = $partition;";
        if (command.ExecuteScalar() is not long start)
        {
            return (0, null);
        }

        // The first record to keep by age: offsets grow with time, so everything before it is expired.
        command.CommandText = """
            SELECT COALESCE(
                (SELECT offset FROM records WHERE topic = $topic AND partition = $partition AND timestamp_ms >= $cutoff ORDER BY offset LIMIT 1),
                (SELECT next_offset FROM partitions WHERE topic = $topic AND partition = $partition));
            """;
        cutoff.Value = cutoffMs;
        var keepFrom = command.ExecuteScalar() is long k ? k : start;

        // The lowest position of the groups that read the topic: nothing from there on has been read by all of them.
        var readers = ReadPositions(command);
        long? readFloor = readers.Count == 0 ? null : readers.Min(r => r.Position);
        if (readFloor is { } floor)
        {
            keepFrom = Math.Min(keepFrom, floor);
        }

        RetentionLoss? lost = null;
        if (hardCutoffMs is { } hard)
        {
            cutoff.Value = hard;
            command.CommandText = """
                SELECT COALESCE(
                    (SELECT offset FROM records WHERE topic = $topic AND partition = $partition AND timestamp_ms >= $cutoff ORDER BY offset LIMIT 1),
                    (SELECT next_offset FROM partitions WHERE topic = $topic AND partition = $partition));
                """;
            var hardKeepFrom = command.ExecuteScalar() is long h ? h : start;
            if (hardKeepFrom > keepFrom)
            {
                keepFrom = hardKeepFrom;
                if (readFloor is { } unreadFrom && unreadFrom < hardKeepFrom)
                {
                    command.CommandText = "SELECT COUNT(*) FROM records WHERE topic = $topic AND partition = $partition AND offset >= $from AND offset < $to;";
                    command.Parameters.AddWithValue("$from", unreadFrom);
                    command.Parameters.AddWithValue("$to", hardKeepFrom);
                    var count = (long)command.ExecuteScalar()!;
                    command.Parameters.Remove(command.Parameters["$from"]);
                    command.Parameters.Remove(command.Parameters["$to"]);
                    if (count > 0)
                    {
                        lost = new RetentionLoss(
                            topic, partition, count, [.. readers.Where(r => r.Position < hardKeepFrom).Select(r => r.Group).Order(StringComparer.Ordinal)]);
                    }
                }
            }
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

        return (deleted, lost);
    }

    /// <summary>Each group reading the topic, with its committed position on the partition (0 when it has none: it holds everything).</summary>
    private static List<(string Group, long Position)> ReadPositions(SqliteCommand command)
    {
        command.CommandText = """
            SELECT g.group_id, COALESCE(
                (SELECT c.next_offset FROM committed_offsets c WHERE c.group_id = g.group_id AND c.topic = $topic AND c.partition = $partition), 0)
            FROM (SELECT group_id FROM topic_readers WHERE topic = $topic
                  UNION SELECT group_id FROM committed_offsets WHERE topic = $topic) g;
            """;
        var readers = new List<(string, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            readers.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return readers;
    }
}

/// <summary>What one retention sweep did.</summary>
/// <param name="Deleted">Records deleted.</param>
/// <param name="Unconsumed">Partitions where the hard cap deleted records some group had not read.</param>
internal sealed record SweepResult(long Deleted, IReadOnlyList<RetentionLoss> Unconsumed);
