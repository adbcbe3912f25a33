using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// The status projection in SQLite. Status events are folded together with the event id, so a redelivered
/// event changes nothing. Writes (registrations, folds, deletions) are group-committed through one writer
/// thread: concurrent uploads share a transaction and an <c>fsync</c> instead of queueing on SQLite's lock.
/// </summary>
public sealed partial class SqliteStatusStore : IStatusStore, IDisposable
{
    private readonly SqliteFile _file;
    private readonly SqliteWriteQueue _writes;
    private readonly IReadOnlyList<string> _pipeline;
    private readonly TimeProvider _time;
    private readonly StatusChangeSignal? _signal;

    /// <param name="options">Where the file is and which stages a document passes.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="signal">Pulsed after each commit that recorded a change (see <see cref="StatusChangeSignal"/>).</param>
    public SqliteStatusStore(IOptions<SqliteStoreOptions> options, TimeProvider? timeProvider = null, StatusChangeSignal? signal = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _file = new SqliteFile(options.Value.StatusPath, StatusSchema.Sql, StatusSchema.Upgrade);
        _writes = new SqliteWriteQueue(_file.Open, "sluice-status-writer");
        _pipeline = [.. options.Value.PipelineStages];
        _time = timeProvider ?? TimeProvider.System;
        _signal = signal;
    }

    /// <summary>Write transactions committed so far (each holds one or more writes).</summary>
    internal long CommittedWriteBatches => _writes.CommittedBatches;

    public async Task<(DocumentStatus Status, bool Created)> RegisterAsync(DocumentRecord document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var registered = await _writes.RunAsync(db => Register(db, document), cancellationToken);
        return Notified(registered, registered.Created);
    }

    private (DocumentStatus Status, bool Created) Register(Statements db, DocumentRecord document)
    {
        var source = JsonSerializer.Serialize(document.Source, SluiceJson.Options);
        var created = db.Execute("""
            INSERT OR IGNORE INTO documents (id, tenant, file_name, content_type, format, source_json, accepted_at, state, updated_at, source_uri)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p6, $p8)
            """, document.Id, document.Tenant, document.FileName, document.ContentType, document.Format, source,
            Format(document.AcceptedAt), nameof(DocumentState.Accepted), document.Source.Uri) == 1;

        if (!created)
        {
            // A deleted document uploaded again starts over as the next revision.
            created = db.Execute("""
                UPDATE documents SET revision = revision + 1, deleted_at = NULL, file_name = $p1, content_type = $p2, format = $p3,
                    source_json = $p4, accepted_at = $p5, state = 'Accepted', error_stage = NULL, error_reason = NULL, chunks = NULL, updated_at = $p5,
                    source_uri = $p6, published_at = NULL
                WHERE id = $p0 AND deleted_at IS NOT NULL
                """, document.Id, document.FileName, document.ContentType, document.Format, source, Format(document.AcceptedAt),
                document.Source.Uri) == 1;
            if (created)
            {
                db.Execute("DELETE FROM stages WHERE document_id = $p0", document.Id);
            }
        }

        var status = Read(db, document.Id)
                     ?? throw new InvalidOperationException($"Document {document.Id} vanished right after it was registered.");
        if (created)
        {
            RecordChange(db, StatusChangeRecords.Accepted(status.Document));
        }

        return (status, created);
    }

    public async Task<DocumentStatus?> GetAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        using var db = new Statements(connection);
        return Read(db, documentId);
    }

    public async Task<Page<DocumentStatus>> ListAsync(string tenant, int limit, string? cursor, CancellationToken cancellationToken = default)
    {
        var before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : long.MaxValue;
        await using var connection = await _file.OpenAsync(cancellationToken);
        var ids = new List<(long Seq, string Id)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT seq, id FROM documents WHERE tenant = $tenant AND seq < $before AND deleted_at IS NULL ORDER BY seq DESC LIMIT $limit";
            command.Parameters.AddWithValue("$tenant", tenant);
            command.Parameters.AddWithValue("$before", before);
            command.Parameters.AddWithValue("$limit", limit + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        using var db = new Statements(connection);
        var items = new List<DocumentStatus>(Math.Min(ids.Count, limit));
        foreach (var (_, id) in ids.Take(limit))
        {
            if (Read(db, id) is { } status)
            {
                items.Add(status);
            }
        }

        var next = ids.Count > limit ? ids[limit - 1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return new Page<DocumentStatus>(items, next);
    }

    public async Task<bool> ApplyAsync(EventEnvelope statusEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statusEvent);
        var change = statusEvent.GetData<StageStatusChanged>();
        var (applied, recorded) = await _writes.RunAsync(db => Apply(db, statusEvent, change), cancellationToken);
        return Notified(applied, recorded);
    }

    private (bool Applied, bool Recorded) Apply(Statements db, EventEnvelope statusEvent, StageStatusChanged change)
    {
        if (db.Execute("INSERT OR IGNORE INTO applied_events (event_id, applied_at) VALUES ($p0, $p1)",
                statusEvent.Id, Format(_time.GetUtcNow())) == 0)
        {
            return (false, false);
        }

        if (RevisionOf(db, statusEvent.DocumentId, statusEvent.Revision) is RevisionState.Deleted or RevisionState.Superseded)
        {
            // Late news of a deleted or superseded revision: nothing to show, but what it wrote must still go.
            foreach (var blob in change.Blobs ?? [])
            {
                QueueGarbage(db, blob);
            }

            return (false, false);
        }

        foreach (var blob in change.Blobs ?? [])
        {
            db.Execute("INSERT OR IGNORE INTO document_blobs (document_id, uri, blob_json) VALUES ($p0, $p1, $p2)",
                statusEvent.DocumentId, blob.Uri, JsonSerializer.Serialize(blob, SluiceJson.Options));
        }

        var current = Read(db, statusEvent.DocumentId);
        if (current is null)
        {
            // Status of a document this store never registered (its registration was lost): keep what we know.
            var unknown = new BlobReference(string.Empty, string.Empty, 0, "application/octet-stream");
            db.Execute("""
                INSERT OR IGNORE INTO documents (id, tenant, file_name, content_type, format, source_json, accepted_at, state, updated_at)
                VALUES ($p0, $p1, '', 'application/octet-stream', 'unknown', $p2, $p3, 'Accepted', $p3)
                """, statusEvent.DocumentId, statusEvent.Tenant,
                JsonSerializer.Serialize(unknown, SluiceJson.Options), Format(statusEvent.OccurredAt));
            current = Read(db, statusEvent.DocumentId);
        }

        var fold = StatusFold.Fold(_pipeline, current!, change, statusEvent.OccurredAt);
        var stage = fold.Stage;
        db.Execute("""
            INSERT INTO stages (document_id, stage, state, attempts, started_at, finished_at, error, progress, next_attempt_at, error_type, parts_json)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10)
            ON CONFLICT (document_id, stage) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error, progress = excluded.progress,
                next_attempt_at = excluded.next_attempt_at, error_type = excluded.error_type, parts_json = excluded.parts_json
            """, statusEvent.DocumentId, change.Stage, stage.State.ToString(), stage.Attempts,
            FormatOrNull(stage.StartedAt), FormatOrNull(stage.FinishedAt), stage.Error, stage.Progress,
            FormatOrNull(stage.NextAttemptAt), stage.ErrorType,
            stage.Parts is { } parts ? JsonSerializer.Serialize(parts, SluiceJson.Options) : null);

        var (state, error, chunks) = (fold.State, fold.Error, fold.Chunks);
        db.Execute("""
            UPDATE documents SET state = $p1, error_stage = $p2, error_reason = $p3, chunks = COALESCE($p4, chunks), updated_at = $p5
            WHERE id = $p0
            """, statusEvent.DocumentId, state.ToString(), error?.Stage, error?.Reason, chunks, Format(_time.GetUtcNow()));

        var rows = StatusChangeRecords.Folded(current!, fold, statusEvent.OccurredAt);
        foreach (var row in rows)
        {
            RecordChange(db, row);
        }

        return (true, rows.Count > 0);
    }

    public async Task<DocumentDeletion?> DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        var deletion = await _writes.RunAsync(db => Delete(db, documentId), cancellationToken);
        return Notified(deletion, deletion is not null);
    }

    public void Dispose() => _writes.Dispose();

    private DocumentDeletion? Delete(Statements db, string documentId)
    {
        var status = Read(db, documentId);
        if (status is null)
        {
            return null;
        }

        var deletedAt = _time.GetUtcNow();
        var now = Format(deletedAt);
        db.Execute("UPDATE documents SET deleted_at = $p1, updated_at = $p1 WHERE id = $p0", documentId, now);
        RecordChange(db, StatusChangeRecords.Deleted(status, deletedAt));
        db.Execute("DELETE FROM stages WHERE document_id = $p0", documentId);

        // In the same transaction as the tombstone: the blobs it leaves behind are queued for the collector, which
        // removes each one only after checking, in a transaction of its own, that no live document took it up again.
        // A document known only from its status events (its registration was lost) has no source address: nothing to queue.
        if (status.Document.Source.Uri.Length > 0)
        {
            QueueGarbage(db, status.Document.Source);
        }

        QueueOwnerGarbage(db, new BlobOwner(documentId, status.Document.Revision));
        var recorded = new List<BlobReference>();
        {
            var command = db.Get("SELECT blob_json FROM document_blobs WHERE document_id = $doc");
            command.Parameters.AddWithValue("$doc", documentId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                recorded.Add(JsonSerializer.Deserialize<BlobReference>(reader.GetString(0), SluiceJson.Options)!);
            }
        }

        db.Execute("DELETE FROM document_blobs WHERE document_id = $p0", documentId);
        foreach (var blob in recorded)
        {
            QueueGarbage(db, blob);
        }

        return new DocumentDeletion(status.Document);
    }

    public async Task<bool> IsDeletedAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        using var db = new Statements(connection);
        return IsDeleted(db, documentId);
    }

    private static bool IsDeleted(Statements db, string documentId)
    {
        var command = db.Get("SELECT deleted_at IS NOT NULL FROM documents WHERE id = $id");
        command.Parameters.AddWithValue("$id", documentId);
        return command.ExecuteScalar() is long deleted && deleted == 1;
    }

    private DocumentStatus? Read(Statements db, string documentId)
    {
        DocumentStatus? status = null;
        {
            var command = db.Get("""
                SELECT id, tenant, file_name, content_type, format, source_json, accepted_at, state, error_stage, error_reason, chunks, updated_at, revision
                FROM documents WHERE id = $id AND deleted_at IS NULL
                """);
            command.Parameters.AddWithValue("$id", documentId);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var record = new DocumentRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                JsonSerializer.Deserialize<BlobReference>(reader.GetString(5), SluiceJson.Options)!, Parse(reader.GetString(6)),
                reader.GetInt32(12));
            status = new DocumentStatus(
                record,
                Enum.Parse<DocumentState>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : new DocumentError(reader.GetString(8), reader.IsDBNull(9) ? string.Empty : reader.GetString(9)),
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                new Dictionary<string, StageStatus>(),
                Parse(reader.GetString(11)));
        }

        var stages = _pipeline.ToDictionary(s => s, _ => new StageStatus(StageState.Pending, 0, null, null, null, null));
        {
            var command = db.Get("""
                SELECT stage, state, attempts, started_at, finished_at, error, progress, next_attempt_at, error_type, parts_json
                FROM stages WHERE document_id = $id
                """);
            command.Parameters.AddWithValue("$id", documentId);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stages[reader.GetString(0)] = new StageStatus(
                    Enum.Parse<StageState>(reader.GetString(1)),
                    reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : Parse(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : Parse(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetDouble(6),
                    reader.IsDBNull(7) ? null : Parse(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<StageParts>(reader.GetString(9), SluiceJson.Options));
            }
        }

        return status with { Stages = stages };
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string? FormatOrNull(DateTimeOffset? value) => value is { } v ? Format(v) : null;

    private static DateTimeOffset Parse(string value)
        => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
