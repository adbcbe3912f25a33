using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// The change feed (<see cref="IStatusChangeFeed"/>): rows of <c>status_changes</c>, written by the registration, fold or
/// deletion they record inside its own transaction. Positions are an <c>AUTOINCREMENT</c> key: SQLite has one writer per
/// file at a time (and this store one writer thread), so positions commit in the order they are assigned and a reader
/// never finds a smaller position appear after a larger one; they are never reused after pruning.
/// </summary>
public sealed partial class SqliteStatusStore : IStatusChangeFeed
{
    private const string ChangeColumns =
        "position, type, tenant, document_id, revision, state, stage, stage_state, progress, error_stage, error_reason, at";

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatusChange>> ReadAsync(
        string? tenant, long after, int limit, string? documentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = (documentId, tenant) switch
        {
            (not null, not null) => $"SELECT {ChangeColumns} FROM status_changes WHERE document_id = $doc AND tenant = $tenant AND position > $after ORDER BY position LIMIT $limit",
            (not null, null) => $"SELECT {ChangeColumns} FROM status_changes WHERE document_id = $doc AND position > $after ORDER BY position LIMIT $limit",
            (null, not null) => $"SELECT {ChangeColumns} FROM status_changes WHERE tenant = $tenant AND position > $after ORDER BY position LIMIT $limit",
            _ => $"SELECT {ChangeColumns} FROM status_changes WHERE position > $after ORDER BY position LIMIT $limit",
        };
        command.Parameters.AddWithValue("$doc", (object?)documentId ?? DBNull.Value);
        command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$limit", limit);
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
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : Enum.Parse<StageState>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetDouble(8),
                reader.IsDBNull(9) ? null : new DocumentError(reader.GetString(9), reader.IsDBNull(10) ? string.Empty : reader.GetString(10)),
                Parse(reader.GetString(11))));
        }

        return changes;
    }

    /// <inheritdoc />
    public async Task<long> LatestPositionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(position), 0) FROM status_changes";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Writes <paramref name="change"/> in the transaction of <paramref name="db"/>.</summary>
    private void RecordChange(Statements db, StatusChange change)
        => db.Execute("""
            INSERT INTO status_changes (type, tenant, document_id, revision, state, stage, stage_state, progress, error_stage, error_reason, at, recorded_at)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11)
            """, change.Type, change.Tenant, change.DocumentId, change.Revision, change.State.ToString(), change.Stage,
            change.StageState?.ToString(), change.Progress, change.Error?.Stage, change.Error?.Reason, Format(change.At),
            Format(_time.GetUtcNow()));

    /// <summary>Wakes this process's feed readers once a write that recorded a change is durable.</summary>
    private T Notified<T>(T result, bool recorded)
    {
        if (recorded)
        {
            _signal?.Notify();
        }

        return result;
    }

    /// <summary>
    /// Removes up to <see cref="PruneBatch"/> change rows recorded before <paramref name="recordedBefore"/>: the same
    /// horizon as applied event ids (a reader further behind than that resumes at the oldest change kept).
    /// </summary>
    private static int PruneChanges(Statements db, string recordedBefore)
        => db.Execute("""
            DELETE FROM status_changes WHERE position IN
                (SELECT position FROM status_changes WHERE recorded_at < $p0 ORDER BY recorded_at LIMIT $p1)
            """, recordedBefore, PruneBatch);
}
