using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// Dead letters in PostgreSQL. Replay states change with conditional updates (<c>WHERE state = …</c>): of two
/// concurrent updates of one row the second waits for the first and re-checks the condition on the row it left, so of
/// many replays of a dead letter exactly one moves it from <c>parked</c> to <c>replaying</c>. Ids are derived hashes,
/// so, as in the embedded store, order is the order of arrival (<c>seq</c>) and a cursor id stands for its seq.
/// </summary>
public sealed class PostgresDeadLetterStore(PostgresDatabase database) : IDeadLetterStore
{
    private const string Columns = "id, stage, document_id, topic, log_partition, log_offset, key, value, headers::text, failed_at, state, replays, replayed_at, tenant";

    public async Task SaveAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, """
            INSERT INTO dead_letters (id, stage, document_id, topic, log_partition, log_offset, key, value, headers, failed_at, tenant)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (id) DO NOTHING
            """).With(deadLetter.Id).With(deadLetter.Stage).With(deadLetter.DocumentId, NpgsqlDbType.Text).With(deadLetter.Topic)
            .With(deadLetter.Partition).With(deadLetter.Offset).With(deadLetter.Key).With(deadLetter.Value.ToArray(), NpgsqlDbType.Bytea)
            .With(JsonSerializer.Serialize(deadLetter.Headers), NpgsqlDbType.Jsonb).With(deadLetter.FailedAt)
            .With(deadLetter.Tenant, NpgsqlDbType.Text)
            .ExecuteAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(
        string? stage, bool parkedOnly, int limit, string? before, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(Sql.Command(connection, null, $"""
            SELECT {Columns} FROM dead_letters
            WHERE ($1::text IS NULL OR stage = $1)
              AND (NOT $2 OR state = 'parked')
              AND ($3::text IS NULL OR seq < (SELECT seq FROM dead_letters WHERE id = $3 AND ($5::text IS NULL OR tenant = $5)))
              AND ($5::text IS NULL OR tenant = $5)
            ORDER BY seq DESC LIMIT $4
            """).With(stage, NpgsqlDbType.Text).With(parkedOnly).With(before, NpgsqlDbType.Text).With(Math.Clamp(limit, 1, 1000))
            .With(tenant, NpgsqlDbType.Text),
            cancellationToken);
    }

    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await ReadAsync(Sql.Command(connection, null, $"SELECT {Columns} FROM dead_letters WHERE id = $1").With(id), cancellationToken))
            .SingleOrDefault();
    }

    public async Task<IReadOnlyList<DeadLetter>> ListParkedOldestFirstAsync(
        string? stage, string? after, string upTo, int limit, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadAsync(Sql.Command(connection, null, $"""
            SELECT {Columns} FROM dead_letters
            WHERE ($1::text IS NULL OR stage = $1)
              AND state = 'parked'
              AND ($2::text IS NULL OR seq > (SELECT seq FROM dead_letters WHERE id = $2))
              AND seq <= (SELECT seq FROM dead_letters WHERE id = $3)
              AND ($5::text IS NULL OR tenant = $5)
            ORDER BY seq LIMIT $4
            """).With(stage, NpgsqlDbType.Text).With(after, NpgsqlDbType.Text).With(upTo).With(Math.Clamp(limit, 1, 1000))
            .With(tenant, NpgsqlDbType.Text),
            cancellationToken);
    }

    public async Task<int> CountParkedAsync(string? stage, string upTo, string? tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)await Sql.Command(connection, null, """
            SELECT count(*) FROM dead_letters
            WHERE ($1::text IS NULL OR stage = $1) AND state = 'parked'
              AND seq <= (SELECT seq FROM dead_letters WHERE id = $2)
              AND ($3::text IS NULL OR tenant = $3)
            """).With(stage, NpgsqlDbType.Text).With(upTo).With(tenant, NpgsqlDbType.Text).ScalarAsync<long>(cancellationToken);
    }

    public Task<bool> TryBeginReplayAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
        => ChangeOneAsync("UPDATE dead_letters SET state = 'replaying', replayed_at = $2 WHERE id = $1 AND state = 'parked'", id, at, cancellationToken);

    public Task<bool> MarkReplayedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
        => ChangeOneAsync(
            "UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_at = $2 WHERE id = $1 AND state = 'replaying'", id, at, cancellationToken);

    public Task<bool> ReturnToParkedAsync(string id, CancellationToken cancellationToken = default)
        => ChangeOneAsync("UPDATE dead_letters SET state = 'parked', replayed_at = NULL WHERE id = $1 AND state = 'replaying'", id, null, cancellationToken);

    public Task<int> ReturnStaleReplaysAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
        => ExecuteAsync("UPDATE dead_letters SET state = 'parked', replayed_at = NULL WHERE state = 'replaying' AND replayed_at < $1", startedBefore, cancellationToken);

    public Task<int> PruneReplayedAsync(DateTimeOffset replayedBefore, CancellationToken cancellationToken = default)
        => ExecuteAsync("DELETE FROM dead_letters WHERE state = 'replayed' AND replayed_at < $1", replayedBefore, cancellationToken);

    private async Task<bool> ChangeOneAsync(string sql, string id, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var command = Sql.Command(connection, null, sql).With(id);
        if (at is { } time)
        {
            command.With(time);
        }

        return await command.ExecuteAsync(cancellationToken) == 1;
    }

    private async Task<int> ExecuteAsync(string sql, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, sql).With(at).ExecuteAsync(cancellationToken);
    }

    private static async Task<List<DeadLetter>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<DeadLetter>();
        await using (command)
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Add(new DeadLetter(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetStringOrNull(2),
                    reader.GetString(3),
                    reader.GetInt32(4),
                    reader.GetInt64(5),
                    reader.GetString(6),
                    reader.GetFieldValue<byte[]>(7),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(8)) ?? [],
                    reader.GetFieldValue<DateTimeOffset>(9))
                {
                    State = reader.GetString(10),
                    Replays = reader.GetInt32(11),
                    ReplayedAt = reader.GetTimeOrNull(12),
                    Tenant = reader.GetStringOrNull(13),
                });
            }
        }

        return result;
    }
}
