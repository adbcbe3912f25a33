using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>Tables of the embedded log. Times are Unix milliseconds (UTC).</summary>
internal static class EventLogSchema
{
    private const int Version = 1;

    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS topics (
            name TEXT NOT NULL PRIMARY KEY,
            partitions INTEGER NOT NULL,
            retention_ms INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS partitions (
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            next_offset INTEGER NOT NULL,
            PRIMARY KEY (topic, partition)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS records (
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            headers TEXT NULL,
            timestamp_ms INTEGER NOT NULL,
            PRIMARY KEY (topic, partition, offset)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS committed_offsets (
            group_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            next_offset INTEGER NOT NULL,
            PRIMARY KEY (group_id, topic, partition)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS consumer_groups (
            group_id TEXT NOT NULL PRIMARY KEY,
            generation INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS group_members (
            group_id TEXT NOT NULL,
            member_id TEXT NOT NULL,
            incarnation TEXT NOT NULL,
            topics TEXT NOT NULL,
            expires_at_ms INTEGER NOT NULL,
            PRIMARY KEY (group_id, member_id)
        ) WITHOUT ROWID;

        -- The groups that subscribed to a topic, whether or not they committed yet: retention keeps what they
        -- have not read. A later version added it; older files get it on open (IF NOT EXISTS).
        CREATE TABLE IF NOT EXISTS topic_readers (
            topic TEXT NOT NULL,
            group_id TEXT NOT NULL,
            PRIMARY KEY (topic, group_id)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS partition_owners (
            group_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            member_id TEXT NOT NULL,
            PRIMARY KEY (group_id, topic, partition)
        ) WITHOUT ROWID;
        """;

    /// <summary>Switches the file to WAL and creates missing tables (safe to run from several processes at once).</summary>
    public static void Initialize(SqliteConnection connection)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The event log file could not be switched to WAL mode (journal_mode is '{mode}').");
            }
        }

        WriteTransaction.Run(connection, c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (version > Version)
            {
                throw new InvalidOperationException($"The event log file has schema version {version}; this build knows version {Version}.");
            }

            command.CommandText = CreateTables + $"PRAGMA user_version = {Version};";
            command.ExecuteNonQuery();
            return 0;
        });
    }
}
