using System.Globalization;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>Housekeeping queries of the status store: documents to redrive, and pruning of old bookkeeping.</summary>
public sealed partial class PostgresStatusStore
{
    /// <summary>Rows deleted per transaction while pruning, so that registrations and folds are never held up long.</summary>
    internal int PruneBatch { get; init; } = 1_000;

    /// <summary>The page query of <see cref="ListStaleAcceptedAsync"/>; its conditions are the partial index's.</summary>
    internal const string StaleAcceptedSql = """
        SELECT seq, id, tenant, file_name, content_type, format, source::text, accepted_at, revision
        FROM documents
        WHERE state = 'Accepted' AND deleted_at IS NULL AND published_at IS NULL AND accepted_at < $1 AND (accepted_at, seq) > ($2, $3)
        ORDER BY accepted_at, seq
        LIMIT $4
        """;

    /// <summary>Before every acceptance time: where a listing without a cursor starts.</summary>
    private static readonly DateTimeOffset Beginning = new(1, 1, 2, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    /// <remarks>
    /// Reads the partial index <c>documents_unpublished</c> on <c>(accepted_at, seq)</c>, which holds only live
    /// accepted documents. The cursor is the last row's acceptance time (in microseconds since the epoch, PostgreSQL's
    /// precision) and seq.
    /// </remarks>
    public async Task<Page<DocumentRecord>> ListStaleAcceptedAsync(
        DateTimeOffset acceptedBefore, int limit, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var (afterAcceptedAt, afterSeq) = ParseStaleCursor(cursor);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, StaleAcceptedSql)
            .With(acceptedBefore).With(afterAcceptedAt).With(afterSeq).With(limit);
        var rows = new List<(long Seq, DocumentRecord Record)>(Math.Min(limit, 1024));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), new DocumentRecord(
                    reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                    JsonSerializer.Deserialize<BlobReference>(reader.GetString(6), SluiceJson.Options)!,
                    reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8))));
            }
        }

        var next = rows.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{MicrosSinceEpoch(rows[^1].Record.AcceptedAt)}|{rows[^1].Seq}")
            : null;
        return new Page<DocumentRecord>([.. rows.Select(r => r.Record)], next);
    }

    /// <inheritdoc />
    public async Task MarkPublishedAsync(string documentId, int revision, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, "UPDATE documents SET published_at = $3 WHERE id = $1 AND revision = $2 AND published_at IS NULL")
            .With(documentId).With(revision).With(_time.GetUtcNow()).ExecuteAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each batch is a statement of its own that skips rows other transactions hold (<c>SKIP LOCKED</c>): a tombstone
    /// being uploaded again right now is left for the next pruning.
    /// </remarks>
    public async Task<StatusPruning> PruneAsync(DateTimeOffset appliedBefore, DateTimeOffset deletedBefore, CancellationToken cancellationToken = default)
    {
        long events = 0;
        int removed;
        do
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            removed = await Sql.Command(connection, null, """
                DELETE FROM applied_events WHERE event_id IN
                    (SELECT event_id FROM applied_events WHERE applied_at < $1 ORDER BY applied_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                """).With(appliedBefore).With(PruneBatch).ExecuteAsync(cancellationToken);
            events += removed;
        }
        while (removed == PruneBatch);

        // The change feed keeps what the dedup keeps: a change recorded before the same horizon goes too.
        do
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            removed = await Sql.Command(connection, null, """
                DELETE FROM status_changes WHERE position IN
                    (SELECT position FROM status_changes WHERE recorded_at < $1 ORDER BY recorded_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                """).With(appliedBefore).With(PruneBatch).ExecuteAsync(cancellationToken);
        }
        while (removed == PruneBatch);

        long documents = 0;
        do
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            removed = await Sql.Command(connection, null, """
                WITH doomed AS (
                    SELECT id FROM documents WHERE deleted_at < $1 ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED),
                blobs AS (DELETE FROM document_blobs WHERE document_id IN (SELECT id FROM doomed)),
                stages AS (DELETE FROM stages WHERE document_id IN (SELECT id FROM doomed))
                DELETE FROM documents WHERE id IN (SELECT id FROM doomed)
                """).With(deletedBefore).With(PruneBatch).ExecuteAsync(cancellationToken);
            documents += removed;
        }
        while (removed == PruneBatch);

        return new StatusPruning(events, documents);
    }

    private static long MicrosSinceEpoch(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static (DateTimeOffset AcceptedAt, long Seq) ParseStaleCursor(string? cursor)
    {
        if (cursor is null)
        {
            return (Beginning, 0);
        }

        var separator = cursor.IndexOf('|', StringComparison.Ordinal);
        return separator > 0
               && long.TryParse(cursor.AsSpan(0, separator), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros)
               && long.TryParse(cursor.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? (DateTimeOffset.UnixEpoch.AddTicks(micros * 10), seq)
            : throw new ArgumentException($"'{cursor}' is not a cursor of {nameof(ListStaleAcceptedAsync)}.", nameof(cursor));
    }
}
