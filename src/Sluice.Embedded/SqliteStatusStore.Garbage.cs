using System.Globalization;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>Revisions, and the queue of blobs that deletions left behind (see <c>BlobCollector</c>).</summary>
public sealed partial class SqliteStatusStore
{
    private const string OwnerKeyPrefix = "owner:";

    public async Task<RevisionState> GetRevisionStateAsync(string documentId, int revision, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        using var db = new Statements(connection);
        return RevisionOf(db, documentId, revision);
    }

    private static RevisionState RevisionOf(Statements db, string documentId, int revision)
    {
        var command = db.Get("SELECT revision, deleted_at IS NOT NULL FROM documents WHERE id = $id");
        command.Parameters.AddWithValue("$id", documentId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return RevisionState.Unknown;
        }

        var current = reader.GetInt32(0);
        var deleted = reader.GetInt64(1) == 1;
        return revision < current ? RevisionState.Superseded
            : deleted ? RevisionState.Deleted
            : RevisionState.Current;
    }

    public Task<IReadOnlyList<BlobGarbage>> ClaimBlobGarbageAsync(int limit, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var now = _time.GetUtcNow();
        return _writes.RunAsync<IReadOnlyList<BlobGarbage>>(db => ClaimGarbage(db, limit, Format(now), Format(now - staleAfter)), cancellationToken);
    }

    private static List<BlobGarbage> ClaimGarbage(Statements db, int limit, string now, string staleBefore)
    {
        var candidates = new List<BlobGarbage>();
        {
            var command = db.Get("""
                SELECT key, blob_json, owner_document, owner_revision FROM blob_gc
                WHERE condemned_at IS NULL OR condemned_at < $stale ORDER BY queued_at LIMIT $limit
                """);
            command.Parameters.AddWithValue("$stale", staleBefore);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                candidates.Add(new BlobGarbage(
                    reader.GetString(0),
                    reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<BlobReference>(reader.GetString(1), SluiceJson.Options),
                    reader.IsDBNull(2) ? null : new BlobOwner(reader.GetString(2), reader.GetInt32(3))));
            }
        }

        var claimed = new List<BlobGarbage>(candidates.Count);
        foreach (var garbage in candidates)
        {
            if (IsReferenced(db, garbage))
            {
                // Taken up again by a live document (the same bytes uploaded again): not garbage after all.
                db.Execute("DELETE FROM blob_gc WHERE key = $p0", garbage.Key);
                continue;
            }

            db.Execute("UPDATE blob_gc SET condemned_at = $p1 WHERE key = $p0", garbage.Key, now);
            claimed.Add(garbage);
        }

        return claimed;
    }

    private static bool IsReferenced(Statements db, BlobGarbage garbage)
    {
        if (garbage.Owner is { } owner)
        {
            var live = db.Get("SELECT EXISTS (SELECT 1 FROM documents WHERE id = $id AND revision = $revision AND deleted_at IS NULL)");
            live.Parameters.AddWithValue("$id", owner.DocumentId);
            live.Parameters.AddWithValue("$revision", owner.Revision);
            return Convert.ToInt64(live.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
        }

        var command = db.Get("""
            SELECT EXISTS (SELECT 1 FROM documents WHERE source_uri = $uri AND deleted_at IS NULL)
                OR EXISTS (SELECT 1 FROM document_blobs b JOIN documents d ON d.id = b.document_id
                           WHERE b.uri = $uri AND d.deleted_at IS NULL)
            """);
        command.Parameters.AddWithValue("$uri", garbage.Blob!.Uri);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    public Task ReleaseBlobGarbageAsync(IReadOnlyList<BlobGarbage> removed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(removed);
        return _writes.RunAsync(db =>
        {
            foreach (var garbage in removed)
            {
                db.Execute("DELETE FROM blob_gc WHERE key = $p0 AND condemned_at IS NOT NULL", garbage.Key);
            }

            return true;
        }, cancellationToken);
    }

    public async Task<bool> IsBlobCondemnedAsync(string uri, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM blob_gc WHERE key = $uri AND condemned_at IS NOT NULL)";
        command.Parameters.AddWithValue("$uri", uri);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 1;
    }

    public async Task<int> CountBlobGarbageAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM blob_gc";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Queues one blob; a blob queued already keeps its place (and its condemnation, if a collector holds it).</summary>
    private void QueueGarbage(Statements db, BlobReference blob)
        => db.Execute("INSERT OR IGNORE INTO blob_gc (key, blob_json, queued_at) VALUES ($p0, $p1, $p2)",
            blob.Uri, JsonSerializer.Serialize(blob, SluiceJson.Options), Format(_time.GetUtcNow()));

    private void QueueOwnerGarbage(Statements db, BlobOwner owner)
        => db.Execute("INSERT OR IGNORE INTO blob_gc (key, owner_document, owner_revision, queued_at) VALUES ($p0, $p1, $p2, $p3)",
            $"{OwnerKeyPrefix}{owner.DocumentId}:{owner.Revision.ToString(CultureInfo.InvariantCulture)}", owner.DocumentId, owner.Revision,
            Format(_time.GetUtcNow()));
}
