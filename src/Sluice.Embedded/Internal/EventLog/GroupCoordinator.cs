using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Group membership in the database, for one member: heartbeats, expiry of silent members, partition
/// ownership leases and fenced commits. A partition is owned by at most one live member; a new owner takes it
/// only once the previous one released it or its session expired.
/// </summary>
internal sealed class GroupCoordinator(
    SqliteConnection connection,
    TopicCatalog catalog,
    string groupId,
    string memberId,
    IReadOnlyList<string> topics,
    long sessionTimeoutMs,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private const char TopicSeparator = '\u001f';

    private readonly string _incarnation = Guid.NewGuid().ToString("N");
    private readonly string _topics = string.Join(TopicSeparator, topics);
    private SqliteCommand? _readGeneration;

    public string MemberId => memberId;

    public bool Joined { get; private set; }

    /// <summary>Cheap read: changes whenever a member joins, leaves or expires.</summary>
    public long ReadGeneration()
    {
        // Read at every poll: prepared once.
        var command = _readGeneration ??= Command("SELECT generation FROM consumer_groups WHERE group_id = $group;");
        return command.ExecuteScalar() is long generation ? generation : -1;
    }

    public void Dispose() => _readGeneration?.Dispose();

    /// <summary>Joins or heartbeats, expires silent members and returns the group as it now is.</summary>
    public GroupView Heartbeat()
    {
        var created = new List<TopicInfo>();
        var view = WriteTransaction.Run(connection, _ => HeartbeatCore(created));
        foreach (var topic in created)
        {
            catalog.Remember(topic);
        }

        Joined = true;
        return view;
    }

    /// <summary>Takes the partitions that are free (never owned, released, or owned by an expired member).</summary>
    public IReadOnlyDictionary<TopicPartition, long?> Acquire(IEnumerable<TopicPartition> partitions) =>
        WriteTransaction.Run(connection, _ =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var acquired = new Dictionary<TopicPartition, long?>();
            using var owner = Command("""
                SELECT o.member_id, m.expires_at_ms FROM partition_owners o
                LEFT JOIN group_members m ON m.group_id = o.group_id AND m.member_id = o.member_id
                WHERE o.group_id = $group AND o.topic = $topic AND o.partition = $partition;
                """);
            using var take = Command("""
                INSERT INTO partition_owners (group_id, topic, partition, member_id) VALUES ($group, $topic, $partition, $member)
                ON CONFLICT (group_id, topic, partition) DO UPDATE SET member_id = excluded.member_id;
                """);
            using var committed = Command(
                "SELECT next_offset FROM committed_offsets WHERE group_id = $group AND topic = $topic AND partition = $partition;");
            foreach (var tp in partitions)
            {
                SetPartition(owner, tp);
                using (var reader = owner.ExecuteReader())
                {
                    if (reader.Read()
                        && !string.Equals(reader.GetString(0), memberId, StringComparison.Ordinal)
                        && !reader.IsDBNull(1) && reader.GetInt64(1) >= now)
                    {
                        continue;
                    }
                }

                SetPartition(take, tp);
                take.ExecuteNonQuery();
                SetPartition(committed, tp);
                acquired[tp] = committed.ExecuteScalar() as long?;
            }

            return acquired;
        });

    /// <summary>Commits the offsets (fenced: only partitions this member owns) and optionally releases partitions.</summary>
    public void CommitAndRelease(IEnumerable<TopicPartitionOffset> offsets, IEnumerable<TopicPartition> release) =>
        WriteTransaction.Run(connection, _ =>
        {
            CommitCore(offsets);
            using var delete = Command(
                "DELETE FROM partition_owners WHERE group_id = $group AND topic = $topic AND partition = $partition AND member_id = $member;");
            foreach (var tp in release)
            {
                SetPartition(delete, tp);
                delete.ExecuteNonQuery();
            }

            return 0;
        });

    /// <summary>Leaves the group: commits, releases every partition and removes the member so the others rebalance now.</summary>
    public void Leave(IEnumerable<TopicPartitionOffset> offsets) =>
        WriteTransaction.Run(connection, _ =>
        {
            if (!IsCurrentIncarnation())
            {
                return 0;
            }

            CommitCore(offsets);
            using var delete = Command("""
                DELETE FROM partition_owners WHERE group_id = $group AND member_id = $member;
                DELETE FROM group_members WHERE group_id = $group AND member_id = $member;
                UPDATE consumer_groups SET generation = generation + 1 WHERE group_id = $group;
                """);
            delete.ExecuteNonQuery();
            Joined = false;
            return 0;
        });

    private GroupView HeartbeatCore(List<TopicInfo> created)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var changed = false;
        using (var ensureGroup = Command("INSERT OR IGNORE INTO consumer_groups (group_id, generation) VALUES ($group, 0);"))
        {
            ensureGroup.ExecuteNonQuery();
        }

        using (var current = Command("SELECT incarnation FROM group_members WHERE group_id = $group AND member_id = $member;"))
        {
            var stored = current.ExecuteScalar() as string;
            if (Joined && stored is not null && !string.Equals(stored, _incarnation, StringComparison.Ordinal))
            {
                throw EventLogErrors.Permanent(
                    $"Member '{memberId}' of group '{groupId}' was fenced: another consumer joined with the same instance id.");
            }

            changed = !string.Equals(stored, _incarnation, StringComparison.Ordinal);
        }

        using (var expired = Command(
            "SELECT member_id FROM group_members WHERE group_id = $group AND expires_at_ms < $now AND member_id <> $member;"))
        {
            expired.Parameters.AddWithValue("$now", now);
            var gone = new List<string>();
            using (var reader = expired.ExecuteReader())
            {
                while (reader.Read())
                {
                    gone.Add(reader.GetString(0));
                }
            }

            expired.CommandText = """
                DELETE FROM partition_owners WHERE group_id = $group AND member_id = $gone;
                DELETE FROM group_members WHERE group_id = $group AND member_id = $gone;
                """;
            var goneParameter = expired.Parameters.Add("$gone", SqliteType.Text);
            foreach (var member in gone)
            {
                goneParameter.Value = member;
                expired.ExecuteNonQuery();
                EventLogLog.MemberExpired(logger, groupId, member);
                changed = true;
            }
        }

        using (var upsert = Command("""
            INSERT INTO group_members (group_id, member_id, incarnation, topics, expires_at_ms)
            VALUES ($group, $member, $incarnation, $topics, $expires)
            ON CONFLICT (group_id, member_id) DO UPDATE SET
                incarnation = excluded.incarnation, topics = excluded.topics, expires_at_ms = excluded.expires_at_ms;
            """))
        {
            upsert.Parameters.AddWithValue("$incarnation", _incarnation);
            upsert.Parameters.AddWithValue("$topics", _topics);
            upsert.Parameters.AddWithValue("$expires", now + sessionTimeoutMs);
            upsert.ExecuteNonQuery();
        }

        if (changed)
        {
            // A member that joins registers its group as a reader of its topics, so retention keeps what the
            // group has not read even before its first commit (and after it stopped).
            using (var register = Command("INSERT OR IGNORE INTO topic_readers (topic, group_id) VALUES ($topic, $group);"))
            {
                var topicParameter = register.Parameters.Add("$topic", SqliteType.Text);
                foreach (var topic in topics)
                {
                    topicParameter.Value = topic;
                    register.ExecuteNonQuery();
                }
            }

            using var bump = Command("UPDATE consumer_groups SET generation = generation + 1 WHERE group_id = $group;");
            bump.ExecuteNonQuery();
        }

        return ReadView(created);
    }

    private GroupView ReadView(List<TopicInfo> created)
    {
        var members = new List<GroupMember>();
        using (var command = Command("SELECT member_id, topics FROM group_members WHERE group_id = $group;"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var subscribed = reader.GetString(1).Split(TopicSeparator).ToHashSet(StringComparer.Ordinal);
                members.Add(new GroupMember(reader.GetString(0), subscribed));
            }
        }

        var partitionCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in members.SelectMany(m => m.Topics).Distinct(StringComparer.Ordinal))
        {
            if (ResolveTopic(topic, created) is { } info)
            {
                partitionCounts[topic] = info.Partitions;
            }
        }

        var owners = new Dictionary<TopicPartition, string>();
        using (var command = Command("SELECT topic, partition, member_id FROM partition_owners WHERE group_id = $group;"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                owners[new TopicPartition(reader.GetString(0), reader.GetInt32(1))] = reader.GetString(2);
            }
        }

        return new GroupView(ReadGeneration(), members, partitionCounts, owners);
    }

    private TopicInfo? ResolveTopic(string topic, List<TopicInfo> created)
    {
        if (catalog.Find(connection, topic) is { } existing)
        {
            return existing;
        }

        if (!topics.Contains(topic, StringComparer.Ordinal))
        {
            return created.Find(t => string.Equals(t.Name, topic, StringComparison.Ordinal));
        }

        try
        {
            var (info, isNew) = catalog.Resolve(connection, topic);
            if (isNew)
            {
                created.Add(info);
            }

            return info;
        }
        catch (EventLogException)
        {
            return null;
        }
    }

    private void CommitCore(IEnumerable<TopicPartitionOffset> offsets)
    {
        using var commit = Command("""
            INSERT INTO committed_offsets (group_id, topic, partition, next_offset)
            SELECT $group, $topic, $partition, $offset
            WHERE EXISTS (
                SELECT 1 FROM partition_owners o
                JOIN group_members m ON m.group_id = o.group_id AND m.member_id = o.member_id
                WHERE o.group_id = $group AND o.topic = $topic AND o.partition = $partition
                  AND o.member_id = $member AND m.incarnation = $incarnation)
            ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset;
            """);
        commit.Parameters.AddWithValue("$incarnation", _incarnation);
        var offset = commit.Parameters.Add("$offset", SqliteType.Integer);
        foreach (var position in offsets)
        {
            SetPartition(commit, position.TopicPartition);
            offset.Value = position.Offset;
            commit.ExecuteNonQuery();
        }
    }

    private bool IsCurrentIncarnation()
    {
        using var command = Command("SELECT incarnation FROM group_members WHERE group_id = $group AND member_id = $member;");
        return string.Equals(command.ExecuteScalar() as string, _incarnation, StringComparison.Ordinal);
    }

    private SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$group", groupId);
        command.Parameters.AddWithValue("$member", memberId);
        return command;
    }

    private static void SetPartition(SqliteCommand command, TopicPartition tp)
    {
        if (!command.Parameters.Contains("$topic"))
        {
            command.Parameters.Add("$topic", SqliteType.Text);
            command.Parameters.Add("$partition", SqliteType.Integer);
        }

        command.Parameters["$topic"].Value = tp.Topic;
        command.Parameters["$partition"].Value = tp.Partition;
    }
}

internal sealed record GroupView(
    long Generation,
    IReadOnlyList<GroupMember> Members,
    IReadOnlyDictionary<string, int> PartitionCounts,
    IReadOnlyDictionary<TopicPartition, string> Owners);
