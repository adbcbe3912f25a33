using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>Topic metadata. Topics are never altered once created, so what was read from the file is cached.</summary>
internal sealed class TopicCatalog(SqliteEventLogOptions options)
{
    private readonly ConcurrentDictionary<string, TopicInfo> _known = new(StringComparer.Ordinal);

    public long DefaultRetentionMs { get; } = (long)options.DefaultRetention.TotalMilliseconds;

    /// <summary>Returns a committed topic, from the cache or the file; <c>null</c> when it does not exist.</summary>
    public TopicInfo? Find(SqliteConnection connection, string topic)
    {
        if (_known.TryGetValue(topic, out var info))
        {
            return info;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT partitions, retention_ms FROM topics WHERE name = $name;";
        command.Parameters.AddWithValue("$name", topic);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        info = new TopicInfo(topic, reader.GetInt32(0), reader.GetInt64(1));
        _known.TryAdd(topic, info);
        return info;
    }

    /// <summary>Inserts the topic unless it exists; call inside a write transaction. Not cached until <see cref="Remember"/>.</summary>
    public TopicInfo Create(SqliteConnection connection, TopicSpec spec)
    {
        ValidateSpec(spec);
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO topics (name, partitions, retention_ms) VALUES ($name, $partitions, $retention);";
        command.Parameters.AddWithValue("$name", spec.Name);
        command.Parameters.AddWithValue("$partitions", spec.Partitions);
        command.Parameters.AddWithValue("$retention", spec.Retention is { } retention ? (long)retention.TotalMilliseconds : DefaultRetentionMs);
        var inserted = command.ExecuteNonQuery() > 0;

        command.CommandText = "SELECT partitions, retention_ms FROM topics WHERE name = $name;";
        int partitions;
        long retentionMs;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            partitions = reader.GetInt32(0);
            retentionMs = reader.GetInt64(1);
        }

        if (inserted)
        {
            command.CommandText = "INSERT OR IGNORE INTO partitions (topic, partition, next_offset) VALUES ($name, $partition, 0);";
            var partition = command.Parameters.Add("$partition", SqliteType.Integer);
            for (var p = 0; p < partitions; p++)
            {
                partition.Value = p;
                command.ExecuteNonQuery();
            }
        }

        return new TopicInfo(spec.Name, partitions, retentionMs);
    }

    /// <summary>Caches a topic once the transaction that created it has committed.</summary>
    public void Remember(TopicInfo topic) => _known.TryAdd(topic.Name, topic);

    /// <summary>Resolves a topic for a write, creating it when allowed; call inside a write transaction.</summary>
    public (TopicInfo Topic, bool Created) Resolve(SqliteConnection connection, string topic)
    {
        if (Find(connection, topic) is { } existing)
        {
            return (existing, false);
        }

        if (!options.AutoCreateTopics)
        {
            throw EventLogErrors.Permanent($"Topic '{topic}' does not exist and automatic topic creation is off.");
        }

        return (Create(connection, new TopicSpec(topic, options.DefaultPartitions)), true);
    }

    public static void ValidateSpec(TopicSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            throw EventLogErrors.Permanent("A topic needs a name.");
        }

        if (spec.Partitions < 1)
        {
            throw EventLogErrors.Permanent($"Topic '{spec.Name}' needs at least one partition (got {spec.Partitions}).");
        }

        if (spec.Retention is { } retention && retention <= TimeSpan.Zero)
        {
            throw EventLogErrors.Permanent($"Topic '{spec.Name}' needs a positive retention (got {retention}).");
        }
    }
}

internal sealed record TopicInfo(string Name, int Partitions, long RetentionMs);
