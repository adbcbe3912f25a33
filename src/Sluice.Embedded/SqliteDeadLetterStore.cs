using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// Dead letters in SQLite (<c>dead-letters.db</c> beside the other stores). Replay states change with conditional
/// updates (<c>WHERE state = ...</c>): SQLite runs each in one write transaction, so of two concurrent replays of
/// a dead letter exactly one moves it from <c>parked</c> to <c>replaying</c>. While replaying, <c>replayed_at</c>
/// holds when the replay began. A file made before dead letters had a tenant gets the column on open, filled from the
/// parked events' envelopes where they can be read (<see cref="Upgrade"/>).
/// </summary>
public sealed class SqliteDeadLetterStore(IOptions<SqliteStoreOptions> options) : IDeadLetterStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS dead_letters (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            stage TEXT NOT NULL,
            document_id TEXT,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            headers TEXT NOT NULL,
            failed_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'parked',
            replays INTEGER NOT NULL DEFAULT 0,
            replayed_at TEXT,
            tenant TEXT
        );
        CREATE INDEX IF NOT EXISTS dead_letters_stage ON dead_letters (stage, seq);
        CREATE INDEX IF NOT EXISTS dead_letters_state ON dead_letters (state, replayed_at);
        """;

    private readonly SqliteFile _file = new(options.Value.DeadLettersPath, Schema, Upgrade);

    /// <summary>
    /// Adds the tenant column to a file made by an older build, in one write transaction (so two processes opening it
    /// at once do not both add it), fills it from the envelopes that parse (a tenant name is 1-64 of a-z, 0-9, '-',
    /// '_'; anything else stays null, visible to administrators only), and makes the index of the tenant's listing.
    /// </summary>
    private static void Upgrade(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = transaction;
            exists.CommandText = "SELECT COUNT(*) FROM pragma_table_info('dead_letters') WHERE name = 'tenant'";
            if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                using var alter = connection.CreateCommand();
                alter.Transaction = transaction;
                alter.CommandText = """
                    ALTER TABLE dead_letters ADD COLUMN tenant TEXT;
                    UPDATE dead_letters SET tenant = (
                        SELECT t FROM (SELECT json_extract(CAST(value AS TEXT), '$.tenant') AS t)
                        WHERE typeof(t) = 'text' AND length(t) BETWEEN 1 AND 64 AND t NOT GLOB '*[^a-z0-9_-]*')
                    WHERE json_valid(CAST(value AS TEXT));
                    """;
                alter.ExecuteNonQuery();
            }
        }

        using (var index = connection.CreateCommand())
        {
            index.Transaction = transaction;
            index.CommandText = "CREATE INDEX IF NOT EXISTS dead_letters_tenant ON dead_letters (tenant, seq)";
            index.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public async Task SaveAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO dead_letters (id, stage, document_id, topic, partition, offset, key, value, headers, failed_at, tenant)
            VALUES ($id, $stage, $doc, $topic, $partition, $offset, $key, $value, $headers, $at, $tenant)
            """;
        command.Parameters.AddWithValue("$id", deadLetter.Id);
        command.Parameters.AddWithValue("$stage", deadLetter.Stage);
        command.Parameters.AddWithValue("$doc", (object?)deadLetter.DocumentId ?? DBNull.Value);
        command.Parameters.AddWithValue("$topic", deadLetter.Topic);
        command.Parameters.AddWithValue("$partition", deadLetter.Partition);
        command.Parameters.AddWithValue("$offset", deadLetter.Offset);
        command.Parameters.AddWithValue("$key", deadLetter.Key);
        command.Parameters.AddWithValue("$value", deadLetter.Value.ToArray());
        command.Parameters.AddWithValue("$headers", JsonSerializer.Serialize(deadLetter.Headers));
        command.Parameters.AddWithValue("$at", Timestamp(deadLetter.FailedAt));
        command.Parameters.AddWithValue("$tenant", (object?)deadLetter.Tenant ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(
        string? stage, bool parkedOnly, int limit, string? before, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM dead_letters
            WHERE ($tenant IS NULL OR tenant = $tenant)
              AND ($stage IS NULL OR stage = $stage)
              AND ($parked = 0 OR state = 'parked')
              AND ($before IS NULL OR seq < (SELECT seq FROM dead_letters WHERE id = $before AND ($tenant IS NULL OR tenant = $tenant)))
            ORDER BY seq DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$stage", (object?)stage ?? DBNull.Value);
        command.Parameters.AddWithValue("$parked", parkedOnly ? 1 : 0);
        command.Parameters.AddWithValue("$before", (object?)before ?? DBNull.Value);
        command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 1000));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM dead_letters WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<DeadLetter>> ListParkedOldestFirstAsync(
        string? stage, string? after, string upTo, int limit, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM dead_letters
            WHERE ($tenant IS NULL OR tenant = $tenant)
              AND ($stage IS NULL OR stage = $stage)
              AND state = 'parked'
              AND ($after IS NULL OR seq > (SELECT seq FROM dead_letters WHERE id = $after))
              AND seq <= (SELECT seq FROM dead_letters WHERE id = $upTo)
            ORDER BY seq LIMIT $limit
            """;
        command.Parameters.AddWithValue("$stage", (object?)stage ?? DBNull.Value);
        command.Parameters.AddWithValue("$after", (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
        command.Parameters.AddWithValue("$upTo", upTo);
        command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 1000));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<int> CountParkedAsync(string? stage, string upTo, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*) FROM dead_letters
            WHERE ($tenant IS NULL OR tenant = $tenant) AND ($stage IS NULL OR stage = $stage) AND state = 'parked'
              AND seq <= (SELECT seq FROM dead_letters WHERE id = $upTo)
            """;
        command.Parameters.AddWithValue("$stage", (object?)stage ?? DBNull.Value);
        command.Parameters.AddWithValue("$upTo", upTo);
        command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public Task<bool> TryBeginReplayAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
        => ChangeOneAsync("UPDATE dead_letters SET state = 'replaying', replayed_at = $at WHERE id = $id AND state = 'parked'", id, at, cancellationToken);

    public Task<bool> MarkReplayedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
        => ChangeOneAsync("UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_at = $at WHERE id = $id AND state = 'replaying'", id, at, cancellationToken);

    public Task<bool> ReturnToParkedAsync(string id, CancellationToken cancellationToken = default)
        => ChangeOneAsync("UPDATE dead_letters SET state = 'parked', replayed_at = NULL WHERE id = $id AND state = 'replaying'", id, null, cancellationToken);

    public Task<int> ReturnStaleReplaysAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
        => ExecuteAsync("UPDATE dead_letters SET state = 'parked', replayed_at = NULL WHERE state = 'replaying' AND replayed_at < $at", startedBefore, cancellationToken);

    public Task<int> PruneReplayedAsync(DateTimeOffset replayedBefore, CancellationToken cancellationToken = default)
        => ExecuteAsync("DELETE FROM dead_letters WHERE state = 'replayed' AND replayed_at < $at", replayedBefore, cancellationToken);

    private async Task<bool> ChangeOneAsync(string sql, string id, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        if (at is { } time)
        {
            command.Parameters.AddWithValue("$at", Timestamp(time));
        }

        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<int> ExecuteAsync(string sql, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$at", Timestamp(at));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>UTC, round-trip format with fixed width, so that text comparison in SQL orders by time.</summary>
    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private const string Columns = "id, stage, document_id, topic, partition, offset, key, value, headers, failed_at, state, replays, replayed_at, tenant";

    private static async Task<List<DeadLetter>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DeadLetter(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetInt32(4),
                reader.GetInt64(5),
                reader.GetString(6),
                (byte[])reader.GetValue(7),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(8)) ?? [],
                DateTimeOffset.Parse(reader.GetString(9), CultureInfo.InvariantCulture))
            {
                State = reader.GetString(10),
                Replays = reader.GetInt32(11),
                ReplayedAt = reader.IsDBNull(12) ? null : DateTimeOffset.Parse(reader.GetString(12), CultureInfo.InvariantCulture),
                Tenant = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }

        return result;
    }
}
