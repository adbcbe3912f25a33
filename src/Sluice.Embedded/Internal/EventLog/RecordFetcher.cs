using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>Reads records of one partition from a position. Offsets deleted by retention are skipped.</summary>
internal sealed class RecordFetcher(SqliteConnection connection) : IDisposable
{
    private SqliteCommand? _command;

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

    public void Dispose() => _command?.Dispose();

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
