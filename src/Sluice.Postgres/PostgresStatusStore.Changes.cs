using Npgsql;
using NpgsqlTypes;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// The change feed (<see cref="IStatusChangeFeed"/>): rows of <c>status_changes</c>, written by the registration, fold or
/// deletion they record inside its own transaction.
/// </summary>
/// <remarks>
/// A position is the writing transaction's id (<c>pg_current_xact_id()</c>) times <see cref="RowsPerTransaction"/> plus
/// the row's ordinal, and a read returns only positions below the oldest transaction still running in the reader's
/// snapshot (<c>pg_snapshot_xmin(pg_current_snapshot())</c>). Every transaction below that has ended (its rows are all
/// visible or gone for good), and any row that becomes visible later belongs to a transaction at or above it, so has a
/// greater position: a reader never skips a change by moving past it. A sequence could not promise that, since a number
/// taken by one transaction may commit after a greater one committed by another. Writers pay nothing for this (no
/// lock, no serialised commits); readers pay a delay: a change is readable once every transaction that started before
/// it ended, which is a few milliseconds unless some transaction in the cluster stays open long.
/// </remarks>
public sealed partial class PostgresStatusStore : IStatusChangeFeed
{
    /// <summary>Positions per transaction: a transaction records at most two changes (a stage change and a terminal one).</summary>
    internal const int RowsPerTransaction = 16;

    /// <summary>Every position below this (in the statement's snapshot) belongs to a transaction that has ended.</summary>
    internal const string VisibleBelow = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 16";

    private const string ChangeColumns =
        "position, type, tenant, document_id, revision, state, stage, stage_state, progress, error_stage, error_reason, at";

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusChange>> ReadAsync(
        string? tenant, long after, int limit, string? documentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var filter = (documentId, tenant) switch
        {
            (not null, not null) => "document_id = $3 AND tenant = $4 AND",
            (not null, null) => "document_id = $3 AND",
            (null, not null) => "tenant = $4 AND",
            _ => string.Empty,
        };
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT {ChangeColumns} FROM status_changes
            WHERE {filter} position > $1 AND position < {VisibleBelow}
            ORDER BY position LIMIT $2
            """).With(after).With(limit).With(documentId, NpgsqlDbType.Text).With(tenant, NpgsqlDbType.Text);
        var changes = new List<StatusChange>(Math.Min(limit, 256));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new StatusChange(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetInt32(4),
                Enum.Parse<DocumentState>(reader.GetString(5)),
                reader.GetStringOrNull(6),
                reader.IsDBNull(7) ? null : Enum.Parse<StageState>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetDouble(8),
                reader.IsDBNull(9) ? null : new DocumentError(reader.GetString(9), reader.GetStringOrNull(10) ?? string.Empty),
                reader.GetFieldValue<DateTimeOffset>(11)));
        }

        return changes;
    }

    /// <inheritdoc />
    /// <remarks>The newest position a reader may see now (see the class remarks); a change still in flight comes after it.</remarks>
    public async Task<long> LatestPositionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, $"SELECT COALESCE(MAX(position), 0) FROM status_changes WHERE position < {VisibleBelow}")
            .ScalarAsync<long>(cancellationToken);
    }

    /// <summary>Writes <paramref name="changes"/> (at most <see cref="RowsPerTransaction"/>) in <paramref name="transaction"/>.</summary>
    private async Task RecordChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StatusChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        if (changes.Count > RowsPerTransaction)
        {
            throw new InvalidOperationException($"A transaction records at most {RowsPerTransaction} changes; {changes.Count} were given.");
        }

        await Sql.Command(connection, transaction, """
            INSERT INTO status_changes (position, type, tenant, document_id, revision, state, stage, stage_state, progress, error_stage, error_reason, at, recorded_at)
            SELECT pg_current_xact_id()::text::bigint * 16 + c.ordinal - 1, c.type, $2, $3, $4, c.state, c.stage, c.stage_state, c.progress,
                c.error_stage, c.error_reason, c.at, $5
            FROM unnest($1::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::text[], $11::text[], $12::timestamptz[])
                WITH ORDINALITY AS c(type, state, stage, stage_state, progress, error_stage, error_reason, at, ordinal)
            """)
            .With(changes.Select(c => c.Type).ToArray())
            .With(changes[0].Tenant).With(changes[0].DocumentId).With(changes[0].Revision).With(_time.GetUtcNow())
            .With(changes.Select(c => c.State.ToString()).ToArray())
            .With(changes.Select(c => c.Stage).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
            .With(changes.Select(c => c.StageState?.ToString()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
            .With(changes.Select(c => c.Progress).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Double)
            .With(changes.Select(c => c.Error?.Stage).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
            .With(changes.Select(c => c.Error?.Reason).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)
            .With(changes.Select(c => c.At.ToUniversalTime()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            .ExecuteAsync(cancellationToken);
    }

    /// <summary>Wakes this process's feed readers once a transaction that recorded a change has committed.</summary>
    private T Notified<T>(T result, bool recorded)
    {
        if (recorded)
        {
            _signal?.Notify();
        }

        return result;
    }
}
