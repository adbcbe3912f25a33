using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// The status projection in PostgreSQL, shared by every process of every host. Each write is one READ COMMITTED
/// transaction that serialises on what it changes instead of on the whole store:
/// <list type="bullet">
/// <item>a registration is one <c>INSERT … ON CONFLICT (id) DO UPDATE … WHERE deleted</c>: of two registrations of one
/// id, the second waits for the first's row and finds it live, so exactly one is created;</item>
/// <item>a fold, a deletion and a registration of one document take its row lock (<c>SELECT … FOR UPDATE</c>) before they
/// read it, so a fold that loses the race to a deletion sees the tombstone and writes no stage row;</item>
/// <item>an applied event id is inserted first (<c>ON CONFLICT DO NOTHING</c>): a second delivery of the same event
/// waits for the first's transaction and then finds the id;</item>
/// <item>blob references and garbage claims meet on a transaction advisory lock per blob URI (see
/// <see cref="ClaimBlobGarbageAsync"/>).</item>
/// </list>
/// </summary>
public sealed partial class PostgresStatusStore : IStatusStore
{
    private const string DocumentColumns =
        "d.id, d.tenant, d.file_name, d.content_type, d.format, d.source::text, d.accepted_at, d.state, d.error_stage, d.error_reason, "
        + "d.chunks, d.updated_at, d.revision, d.seq";

    private const string StageColumns =
        "s.stage, s.state, s.attempts, s.started_at, s.finished_at, s.error, s.progress, s.next_attempt_at, s.error_type, s.parts::text";

    private readonly PostgresDatabase _database;
    private readonly IReadOnlyList<string> _pipeline;
    private readonly TimeProvider _time;
    private readonly StatusChangeSignal? _signal;

    /// <param name="database">The database.</param>
    /// <param name="options">Which stages a document passes.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="signal">Pulsed after each commit that recorded a change (see <see cref="StatusChangeSignal"/>).</param>
    public PostgresStatusStore(
        PostgresDatabase database, IOptions<PostgresOptions> options, TimeProvider? timeProvider = null, StatusChangeSignal? signal = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _pipeline = [.. options.Value.PipelineStages];
        _time = timeProvider ?? TimeProvider.System;
        _signal = signal;
    }

    public async Task<(DocumentStatus Status, bool Created)> RegisterAsync(DocumentRecord document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var registered = await Sql.InTransactionAsync(
            _database, (connection, transaction) => RegisterAsync(connection, transaction, document, cancellationToken), cancellationToken);
        return Notified(registered, registered.Created);
    }

    private async Task<(DocumentStatus Status, bool Created)> RegisterAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DocumentRecord document, CancellationToken cancellationToken)
    {
        // Held to the commit: a collector cannot condemn the source between this reference and its commit.
        await LockBlobsSharedAsync(connection, transaction, [document.Source.Uri], cancellationToken);

        // Inserted, or a deleted document uploaded again starts over as the next revision (keeping its place in lists);
        // a live one is left as it is and returns no row. A concurrent registration waits for this row.
        await using var upsert = Sql.Command(connection, transaction, """
            INSERT INTO documents AS d (id, tenant, file_name, content_type, format, source, source_uri, accepted_at, state, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Accepted', $8)
            ON CONFLICT (id) DO UPDATE SET revision = d.revision + 1, deleted_at = NULL, file_name = excluded.file_name,
                content_type = excluded.content_type, format = excluded.format, source = excluded.source, source_uri = excluded.source_uri,
                accepted_at = excluded.accepted_at, state = 'Accepted', error_stage = NULL, error_reason = NULL, chunks = NULL,
                updated_at = excluded.accepted_at, published_at = NULL
            WHERE d.deleted_at IS NOT NULL
            RETURNING d.revision
            """)
            .With(document.Id).With(document.Tenant).With(document.FileName).With(document.ContentType).With(document.Format)
            .With(JsonSerializer.Serialize(document.Source, SluiceJson.Options), NpgsqlDbType.Jsonb)
            .With(document.Source.Uri).With(document.AcceptedAt);
        var revision = await upsert.ExecuteScalarAsync(cancellationToken) as int?;
        var created = revision is not null;
        if (revision > 1)
        {
            await Sql.Command(connection, transaction, "DELETE FROM stages WHERE document_id = $1").With(document.Id).ExecuteAsync(cancellationToken);
        }

        var status = await ReadAsync(connection, transaction, document.Id, cancellationToken)
                     ?? throw new InvalidOperationException($"Document {document.Id} vanished right after it was registered.");
        if (created)
        {
            await RecordChangesAsync(connection, transaction, [StatusChangeRecords.Accepted(status.Document)], cancellationToken);
        }

        return (status, created);
    }

    public async Task<DocumentStatus?> GetAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, documentId, cancellationToken);
    }

    public async Task<Page<DocumentStatus>> ListAsync(string tenant, int limit, string? cursor, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : long.MaxValue;
        await using var connection = await _database.OpenAsync(cancellationToken);

        // One statement, one snapshot: the page's documents with their stages.
        await using var command = Sql.Command(connection, null, $"""
            SELECT {DocumentColumns}, {StageColumns}
            FROM (SELECT * FROM documents WHERE tenant = $1 AND seq < $2 AND deleted_at IS NULL ORDER BY seq DESC LIMIT $3) d
            LEFT JOIN stages s ON s.document_id = d.id
            ORDER BY d.seq DESC
            """).With(tenant).With(before).With(limit + 1);
        var rows = await ReadStatusesAsync(command, cancellationToken);
        var next = rows.Count > limit ? rows[limit - 1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return new Page<DocumentStatus>([.. rows.Take(limit).Select(r => r.Status)], next);
    }

    public async Task<bool> ApplyAsync(EventEnvelope statusEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statusEvent);
        var change = statusEvent.GetData<StageStatusChanged>();
        var (applied, recorded) = await Sql.InTransactionAsync(
            _database, (connection, transaction) => ApplyAsync(connection, transaction, statusEvent, change, cancellationToken), cancellationToken);
        return Notified(applied, recorded);
    }

    private async Task<(bool Applied, bool Recorded)> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EventEnvelope statusEvent, StageStatusChanged change, CancellationToken cancellationToken)
    {
        // First: a second delivery of this event waits here for this transaction, then finds the id and stops.
        var fresh = await Sql.Command(connection, transaction, "INSERT INTO applied_events (event_id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .With(statusEvent.Id).With(_time.GetUtcNow()).ExecuteAsync(cancellationToken) == 1;
        if (!fresh)
        {
            return (false, false);
        }

        var blobs = change.Blobs ?? [];
        await LockBlobsSharedAsync(connection, transaction, [.. blobs.Select(b => b.Uri)], cancellationToken);
        var revision = await LockRevisionAsync(connection, transaction, statusEvent.DocumentId, statusEvent.Revision, cancellationToken);
        if (revision is RevisionState.Deleted or RevisionState.Superseded)
        {
            // Late news of a deleted or superseded revision: nothing to show, but what it wrote must still go.
            await QueueGarbageAsync(connection, transaction, blobs, cancellationToken);
            return (false, false);
        }

        if (blobs.Count > 0)
        {
            await Sql.Command(connection, transaction, """
                INSERT INTO document_blobs (document_id, uri, blob)
                SELECT $1, u, b::jsonb FROM unnest($2::text[], $3::text[]) AS t(u, b)
                ON CONFLICT DO NOTHING
                """).With(statusEvent.DocumentId).With(blobs.Select(b => b.Uri).ToArray())
                .With(blobs.Select(b => JsonSerializer.Serialize(b, SluiceJson.Options)).ToArray())
                .ExecuteAsync(cancellationToken);
        }

        if (revision == RevisionState.Unknown)
        {
            // Status of a document this store never registered (its registration was lost): keep what we know. A
            // registration racing this insert wins or waits; either way the row is there and locked below.
            var unknown = new BlobReference(string.Empty, string.Empty, 0, "application/octet-stream");
            await Sql.Command(connection, transaction, """
                INSERT INTO documents (id, tenant, file_name, content_type, format, source, accepted_at, state, updated_at)
                VALUES ($1, $2, '', 'application/octet-stream', 'unknown', $3, $4, 'Accepted', $4)
                ON CONFLICT (id) DO NOTHING
                """).With(statusEvent.DocumentId).With(statusEvent.Tenant)
                .With(JsonSerializer.Serialize(unknown, SluiceJson.Options), NpgsqlDbType.Jsonb).With(statusEvent.OccurredAt)
                .ExecuteAsync(cancellationToken);
            if (await LockRevisionAsync(connection, transaction, statusEvent.DocumentId, statusEvent.Revision, cancellationToken) is not RevisionState.Current)
            {
                // A registration and a deletion both came in between; the deletion's tombstone wins.
                await QueueGarbageAsync(connection, transaction, blobs, cancellationToken);
                return (false, false);
            }
        }

        var current = await ReadAsync(connection, transaction, statusEvent.DocumentId, cancellationToken)
                      ?? throw new InvalidOperationException($"Document {statusEvent.DocumentId} vanished while its row was locked.");
        var fold = StatusFold.Fold(_pipeline, current, change, statusEvent.OccurredAt);
        var stage = fold.Stage;
        await Sql.Command(connection, transaction, """
            INSERT INTO stages (document_id, stage, state, attempts, started_at, finished_at, error, progress, next_attempt_at, error_type, parts)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
            ON CONFLICT (document_id, stage) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
                started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error, progress = excluded.progress,
                next_attempt_at = excluded.next_attempt_at, error_type = excluded.error_type, parts = excluded.parts
            """).With(statusEvent.DocumentId).With(change.Stage).With(stage.State.ToString()).With(stage.Attempts)
            .With(stage.StartedAt, NpgsqlDbType.TimestampTz).With(stage.FinishedAt, NpgsqlDbType.TimestampTz)
            .With(stage.Error, NpgsqlDbType.Text).With(stage.Progress, NpgsqlDbType.Double)
            .With(stage.NextAttemptAt, NpgsqlDbType.TimestampTz).With(stage.ErrorType, NpgsqlDbType.Text)
            .With(stage.Parts is { } parts ? JsonSerializer.Serialize(parts, SluiceJson.Options) : null, NpgsqlDbType.Text)
            .ExecuteAsync(cancellationToken);

        await Sql.Command(connection, transaction, """
            UPDATE documents SET state = $2, error_stage = $3, error_reason = $4, chunks = COALESCE($5, chunks), updated_at = $6
            WHERE id = $1
            """).With(statusEvent.DocumentId).With(fold.State.ToString()).With(fold.Error?.Stage, NpgsqlDbType.Text)
            .With(fold.Error?.Reason, NpgsqlDbType.Text).With(fold.Chunks is { } n ? checked((int)n) : null, NpgsqlDbType.Integer)
            .With(_time.GetUtcNow()).ExecuteAsync(cancellationToken);

        var rows = StatusChangeRecords.Folded(current, fold, statusEvent.OccurredAt);
        await RecordChangesAsync(connection, transaction, rows, cancellationToken);
        return (true, rows.Count > 0);
    }

    public async Task<DocumentDeletion?> DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        var deletion = await Sql.InTransactionAsync(
            _database, (connection, transaction) => DeleteAsync(connection, transaction, documentId, cancellationToken), cancellationToken);
        return Notified(deletion, deletion is not null);
    }

    private async Task<DocumentDeletion?> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string documentId, CancellationToken cancellationToken)
    {
        // The row lock orders this deletion against folds and registrations of the document.
        if (await LockDocumentAsync(connection, transaction, documentId, cancellationToken) is not { Deleted: false })
        {
            return null;
        }

        var status = (await ReadAsync(connection, transaction, documentId, cancellationToken))!;
        var now = _time.GetUtcNow();
        await Sql.Command(connection, transaction, "UPDATE documents SET deleted_at = $2, updated_at = $2 WHERE id = $1")
            .With(documentId).With(now).ExecuteAsync(cancellationToken);
        await Sql.Command(connection, transaction, "DELETE FROM stages WHERE document_id = $1").With(documentId).ExecuteAsync(cancellationToken);

        // In the same transaction as the tombstone: the blobs it leaves behind are queued for the collector, which
        // removes each one only after checking, in a transaction of its own, that no live document took it up again.
        var recorded = new List<BlobReference> { status.Document.Source };
        await using (var blobs = Sql.Command(connection, transaction, "DELETE FROM document_blobs WHERE document_id = $1 RETURNING blob::text").With(documentId))
        await using (var reader = await blobs.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                recorded.Add(JsonSerializer.Deserialize<BlobReference>(reader.GetString(0), SluiceJson.Options)!);
            }
        }

        await QueueGarbageAsync(connection, transaction, recorded, cancellationToken);
        await QueueOwnerGarbageAsync(connection, transaction, new BlobOwner(documentId, status.Document.Revision), now, cancellationToken);
        await RecordChangesAsync(connection, transaction, [StatusChangeRecords.Deleted(status, now)], cancellationToken);
        return new DocumentDeletion(status.Document);
    }

    public async Task<bool> IsDeletedAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM documents WHERE id = $1 AND deleted_at IS NOT NULL)")
            .With(documentId).ScalarAsync<bool>(cancellationToken);
    }

    private async Task<DocumentStatus?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string documentId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, $"""
            SELECT {DocumentColumns}, {StageColumns}
            FROM documents d LEFT JOIN stages s ON s.document_id = d.id
            WHERE d.id = $1 AND d.deleted_at IS NULL
            """).With(documentId);
        var rows = await ReadStatusesAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0].Status;
    }

    /// <summary>Documents joined with their stages (one row per stage, consecutive per document), in row order.</summary>
    private async Task<List<(long Seq, DocumentStatus Status)>> ReadStatusesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<(long Seq, DocumentStatus Status)>();
        Dictionary<string, StageStatus>? stages = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (result.Count == 0 || result[^1].Status.Document.Id != id)
            {
                stages = _pipeline.ToDictionary(s => s, _ => new StageStatus(StageState.Pending, 0, null, null, null, null));
                var record = new DocumentRecord(
                    id, reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    JsonSerializer.Deserialize<BlobReference>(reader.GetString(5), SluiceJson.Options)!,
                    reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(12));
                result.Add((reader.GetInt64(13), new DocumentStatus(
                    record,
                    Enum.Parse<DocumentState>(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : new DocumentError(reader.GetString(8), reader.GetStringOrNull(9) ?? string.Empty),
                    reader.IsDBNull(10) ? null : reader.GetInt32(10),
                    stages,
                    reader.GetFieldValue<DateTimeOffset>(11))));
            }

            const int s = 14;
            if (!reader.IsDBNull(s))
            {
                stages![reader.GetString(s)] = new StageStatus(
                    Enum.Parse<StageState>(reader.GetString(s + 1)),
                    reader.GetInt32(s + 2),
                    reader.GetTimeOrNull(s + 3),
                    reader.GetTimeOrNull(s + 4),
                    reader.GetStringOrNull(s + 5),
                    reader.IsDBNull(s + 6) ? null : reader.GetDouble(s + 6),
                    reader.GetTimeOrNull(s + 7),
                    reader.GetStringOrNull(s + 8),
                    reader.GetStringOrNull(s + 9) is { } parts ? JsonSerializer.Deserialize<StageParts>(parts, SluiceJson.Options) : null);
            }
        }

        return result;
    }
}
