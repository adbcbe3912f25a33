using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Reads records of one partition from a position (offsets deleted by retention are skipped), and the end of every
/// partition of a consumer's topics in one small query, so that a poll reads only the partitions that have records.
/// </summary>
internal sealed class RecordFetcher(SqliteConnection connection, IReadOnlyList<string> topics) : IDisposable
{
    private SqliteCommand? _command;
    private SqliteCommand? _ends;

    /// <summary>
    /// Fills <paramref name="into"/> with the next offset to be written of every partition of the topics (the
    /// <c>partitions</c> table, written in the same transaction as the records): records below it are committed.
    /// </summary>
    public void Ends(Dictionary<TopicPartition, long> into)
    {
        var command = _ends ??= PrepareEnds();
        into.Clear();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            into[new TopicPartition(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }
    }

    /// <summary>Appends up to <paramref name="limit"/> records at or after <paramref name="position"/>; returns the next position.</summary>
    public long Fetch(TopicPartition partition, long position, int limit, List<ConsumedRecord> into)
    {
        var command = _command ??= Prepare();
        command.Parameters["$topic"].Value = partition.Topic;
        command.Parameters["$partition"].Value = partition.Partition;
        command.Parameters["$offset"].Value = position;
        command.Parameters["$limit"].Value = limit;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var offset = reader.GetInt64(0);
            into.Add(new ConsumedRecord(
                partition.Topic,
                partition.Partition,
                offset,
                reader.GetString(1),
                reader.GetFieldValue<byte[]>(2),
                HeaderCodec.Decode(reader.IsDBNull(3) ? null : reader.GetString(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            position = offset + 1;
        }

        return position;
    }

    public void Dispose()
    {
        _command?.Dispose();
        _ends?.Dispose();
    }

    private SqliteCommand PrepareEnds()
    {
        var command = connection.CreateCommand();
        var names = new string[topics.Count];
        for (var i = 0; i < topics.Count; i++)
        {
            names[i] = "$t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(names[i], topics[i]);
        }

        command.CommandText = $"SELECT topic, partition, next_offset FROM partitions WHERE topic IN ({string.Join(", ", names)});";
        return command;
    }

    private SqliteCommand Prepare()
    {
        var command = connection.CreateCommand();
        command.CommandText = """
            SELECT offset, key, value, headers, timestamp_ms FROM records
            WHERE topic = $topic AND partition = $partition AND offset >= $offset
            ORDER BY offset LIMIT $limit;
            """;
        command.Parameters.Add("$topic", SqliteType.Text);
        command.Parameters.Add("$partition", SqliteType.Integer);
        command.Parameters.Add("$offset", SqliteType.Integer);
        command.Parameters.Add("$limit", SqliteType.Integer);
        return command;
    }
}
