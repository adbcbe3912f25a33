using System.Globalization;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded;

/// <summary>Housekeeping queries of the status store: documents to redrive, and pruning of old bookkeeping.</summary>
public sealed partial class SqliteStatusStore
{
    /// <summary>Rows deleted per write unit while pruning, so registrations and folds queued meanwhile wait little.</summary>
    internal const int PruneBatch = 1_000;

    /// <summary>
    /// The page query of <see cref="ListStaleAcceptedAsync"/>; its conditions imply the partial index's. The index is
    /// named: SQLite's planner would otherwise take the by-state index (equality on <c>state</c>) and sort every
    /// accepted document, and this query must stay cheap with millions of them.
    /// </summary>
    internal const string StaleAcceptedSql = """
        SELECT seq, id, tenant, file_name, content_type, format, source_json, accepted_at, revision
        FROM documents INDEXED BY documents_unpublished
        WHERE state = 'Accepted' AND deleted_at IS NULL AND published_at IS NULL AND accepted_at < $before AND (accepted_at, seq) > ($afterAt, $afterSeq)
        ORDER BY accepted_at, seq
        LIMIT $limit
        """;

    /// <inheritdoc />
    /// <remarks>
    /// Reads the partial index <c>documents_unpublished</c>, which holds only live accepted documents never marked
    /// published: its size is what crashes left unpublished, not the backlog or the number of documents. The cursor is the last
    /// row's <c>(accepted_at, seq)</c>.
    /// </remarks>
    public async Task<Page<DocumentRecord>> ListStaleAcceptedAsync(
        DateTimeOffset acceptedBefore, int limit, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var (afterAcceptedAt, afterSeq) = ParseStaleCursor(cursor);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = StaleAcceptedSql;
        command.Parameters.AddWithValue("$before", Format(acceptedBefore));
        command.Parameters.AddWithValue("$afterAt", afterAcceptedAt);
        command.Parameters.AddWithValue("$afterSeq", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(long Seq, string AcceptedAt, DocumentRecord Record)>(Math.Min(limit, 1024));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var acceptedAt = reader.GetString(7);
                rows.Add((reader.GetInt64(0), acceptedAt, new DocumentRecord(
                    reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                    JsonSerializer.Deserialize<BlobReference>(reader.GetString(6), SluiceJson.Options)!, Parse(acceptedAt),
                    reader.GetInt32(8))));
            }
        }

        var next = rows.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"{rows[^1].AcceptedAt}|{rows[^1].Seq}") : null;
        return new Page<DocumentRecord>([.. rows.Select(r => r.Record)], next);
    }

    /// <inheritdoc />
    public Task MarkPublishedAsync(string documentId, int revision, CancellationToken cancellationToken = default)
        => _writes.RunAsync(
            db => db.Execute(
                "UPDATE documents SET published_at = $p2 WHERE id = $p0 AND revision = $p1 AND published_at IS NULL",
                documentId, revision, Format(_time.GetUtcNow())),
            cancellationToken);

    /// <inheritdoc />
    public async Task<StatusPruning> PruneAsync(DateTimeOffset appliedBefore, DateTimeOffset deletedBefore, CancellationToken cancellationToken = default)
    {
        var appliedCutoff = Format(appliedBefore);
        long events = 0;
        int removed;
        do
        {
            removed = await _writes.RunAsync(
                db => db.Execute("""
                    DELETE FROM applied_events WHERE event_id IN
                        (SELECT event_id FROM applied_events WHERE applied_at < $p0 ORDER BY applied_at LIMIT $p1)
                    """, appliedCutoff, PruneBatch),
                cancellationToken);
            events += removed;
        }
        while (removed == PruneBatch);

        // The change feed keeps what the dedup keeps: a change recorded before the same horizon goes too.
        do
        {
            removed = await _writes.RunAsync(db => PruneChanges(db, appliedCutoff), cancellationToken);
        }
        while (removed == PruneBatch);

        var deletedCutoff = Format(deletedBefore);
        long documents = 0;
        do
        {
            removed = await _writes.RunAsync(db => PruneDeleted(db, deletedCutoff), cancellationToken);
            documents += removed;
        }
        while (removed == PruneBatch);

        return new StatusPruning(events, documents);
    }

    /// <summary>Removes up to <see cref="PruneBatch"/> documents deleted before the cutoff, with their stage and blob rows.</summary>
    private static int PruneDeleted(Internal.Stores.Statements db, string deletedBefore)
    {
        var ids = new List<string>();
        {
            var command = db.Get("SELECT id FROM documents WHERE deleted_at IS NOT NULL AND deleted_at < $before ORDER BY deleted_at LIMIT $limit");
            command.Parameters.AddWithValue("$before", deletedBefore);
            command.Parameters.AddWithValue("$limit", PruneBatch);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        foreach (var id in ids)
        {
            db.Execute("DELETE FROM document_blobs WHERE document_id = $p0", id);
            db.Execute("DELETE FROM stages WHERE document_id = $p0", id);
            db.Execute("DELETE FROM documents WHERE id = $p0 AND deleted_at IS NOT NULL", id);
        }

        return ids.Count;
    }

    private static (string AcceptedAt, long Seq) ParseStaleCursor(string? cursor)
    {
        if (cursor is null)
        {
            return (string.Empty, 0);
        }

        var separator = cursor.LastIndexOf('|');
        return separator > 0 && long.TryParse(cursor.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? (cursor[..separator], seq)
            : throw new ArgumentException($"'{cursor}' is not a cursor of {nameof(ListStaleAcceptedAsync)}.", nameof(cursor));
    }
}
