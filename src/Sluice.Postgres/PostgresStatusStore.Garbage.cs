using System.Globalization;
using System.Text.Json;
using Npgsql;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>Revisions, and the queue of blobs that deletions left behind (see <c>BlobCollector</c>).</summary>
public sealed partial class PostgresStatusStore
{
    private const string OwnerKeyPrefix = "owner:";

    /// <summary>
    /// The first key of the two-key advisory locks on blob URIs (the second is the URI's hash). The two-key form is a
    /// lock space of its own, apart from the one-key locks (the schema migrator's).
    /// </summary>
    private const int BlobLockSpace = 0x511CE;

    public async Task<RevisionState> GetRevisionStateAsync(string documentId, int revision, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT revision, deleted_at IS NOT NULL FROM documents WHERE id = $1").With(documentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return RevisionOf(await reader.ReadAsync(cancellationToken) ? (reader.GetInt32(0), reader.GetBoolean(1)) : null, revision);
    }

    private static RevisionState RevisionOf((int Revision, bool Deleted)? row, int revision)
        => row is not { } current ? RevisionState.Unknown
            : revision < current.Revision ? RevisionState.Superseded
            : current.Deleted ? RevisionState.Deleted
            : RevisionState.Current;

    /// <summary>Locks the document's row until the transaction ends; null when there is none.</summary>
    private static async Task<(int Revision, bool Deleted)?> LockDocumentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string documentId, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT revision, deleted_at IS NOT NULL FROM documents WHERE id = $1 FOR UPDATE")
            .With(documentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt32(0), reader.GetBoolean(1)) : null;
    }

    private static async Task<RevisionState> LockRevisionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string documentId, int revision, CancellationToken cancellationToken)
        => RevisionOf(await LockDocumentAsync(connection, transaction, documentId, cancellationToken), revision);

    /// <summary>
    /// Takes a shared advisory lock on each URI until the transaction ends. A registration or fold that records a
    /// reference holds it, so a collector can neither condemn the blob between the reference and its commit nor miss
    /// the reference afterwards (see <see cref="ClaimBlobGarbageAsync"/>).
    /// </summary>
    private static async Task LockBlobsSharedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] uris, CancellationToken cancellationToken)
    {
        if (uris.Length == 0)
        {
            return;
        }

        await Sql.Command(connection, transaction, "SELECT count(pg_advisory_xact_lock_shared($1, hashtext(u))) FROM unnest($2::text[]) AS u")
            .With(BlobLockSpace).With(uris).ExecuteAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Collectors on many hosts share the queue: <c>FOR UPDATE SKIP LOCKED</c> hands each entry to one of them. For a
    /// single blob the claim then tries the URI's advisory lock exclusively, without waiting: a registration holding it
    /// has not committed yet, so the entry stays queued for the next pass. Holding it, the claim looks for live
    /// references in a statement of its own (READ COMMITTED: it sees every registration committed before) and condemns
    /// or drops the entry; a registration that comes after waits for this commit and then finds the blob condemned.
    /// </remarks>
    public Task<IReadOnlyList<BlobGarbage>> ClaimBlobGarbageAsync(int limit, TimeSpan staleAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var now = _time.GetUtcNow();
        return Sql.InTransactionAsync<IReadOnlyList<BlobGarbage>>(
            _database, (connection, transaction) => ClaimAsync(connection, transaction, limit, now, now - staleAfter, cancellationToken), cancellationToken);
    }

    private static async Task<IReadOnlyList<BlobGarbage>> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int limit, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        var candidates = new List<BlobGarbage>();
        await using (var command = Sql.Command(connection, transaction, """
            SELECT key, blob::text, owner_document, owner_revision FROM blob_gc
            WHERE condemned_at IS NULL OR condemned_at < $1
            ORDER BY queued_at LIMIT $2
            FOR UPDATE SKIP LOCKED
            """).With(staleBefore).With(limit))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add(new BlobGarbage(
                    reader.GetString(0),
                    reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<BlobReference>(reader.GetString(1), SluiceJson.Options),
                    reader.IsDBNull(2) ? null : new BlobOwner(reader.GetString(2), reader.GetInt32(3))));
            }
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var uris = candidates.Where(g => g.Blob is not null).Select(g => g.Blob!.Uri).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var locked = await ReadSetAsync(
            Sql.Command(connection, transaction, "SELECT u FROM unnest($2::text[]) AS u WHERE pg_try_advisory_xact_lock($1, hashtext(u))")
                .With(BlobLockSpace).With(uris),
            cancellationToken);
        var referenced = await ReadSetAsync(
            Sql.Command(connection, transaction, """
                SELECT u FROM unnest($1::text[]) AS u
                WHERE EXISTS (SELECT 1 FROM documents WHERE source_uri = u AND deleted_at IS NULL)
                   OR EXISTS (SELECT 1 FROM document_blobs b JOIN documents d ON d.id = b.document_id WHERE b.uri = u AND d.deleted_at IS NULL)
                """).With(locked.ToArray()),
            cancellationToken);
        var owners = candidates.Where(g => g.Owner is not null).ToList();
        var liveOwners = await ReadSetAsync(
            Sql.Command(connection, transaction, """
                SELECT o.key FROM unnest($1::text[], $2::text[], $3::int[]) AS o(key, id, revision)
                WHERE EXISTS (SELECT 1 FROM documents WHERE id = o.id AND revision = o.revision AND deleted_at IS NULL)
                """).With(owners.Select(g => g.Key).ToArray()).With(owners.Select(g => g.Owner!.DocumentId).ToArray())
                .With(owners.Select(g => g.Owner!.Revision).ToArray()),
            cancellationToken);

        var drop = new List<string>();
        var claimed = new List<BlobGarbage>(candidates.Count);
        foreach (var garbage in candidates)
        {
            if (garbage.Blob is { } blob && !locked.Contains(blob.Uri))
            {
                continue; // a registration of the same bytes is committing: look again next pass
            }

            if (garbage.Blob is { } b ? referenced.Contains(b.Uri) : liveOwners.Contains(garbage.Key))
            {
                drop.Add(garbage.Key); // taken up again by a live document: not garbage after all
                continue;
            }

            claimed.Add(garbage);
        }

        if (drop.Count > 0)
        {
            await Sql.Command(connection, transaction, "DELETE FROM blob_gc WHERE key = ANY($1)").With(drop.ToArray()).ExecuteAsync(cancellationToken);
        }

        if (claimed.Count > 0)
        {
            await Sql.Command(connection, transaction, "UPDATE blob_gc SET condemned_at = $2 WHERE key = ANY($1)")
                .With(claimed.Select(g => g.Key).ToArray()).With(now).ExecuteAsync(cancellationToken);
        }

        return claimed;
    }

    private static async Task<HashSet<string>> ReadSetAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using (command)
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Add(reader.GetString(0));
            }
        }

        return result;
    }

    public async Task ReleaseBlobGarbageAsync(IReadOnlyList<BlobGarbage> removed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(removed);
        if (removed.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, "DELETE FROM blob_gc WHERE key = ANY($1) AND condemned_at IS NOT NULL")
            .With(removed.Select(g => g.Key).ToArray()).ExecuteAsync(cancellationToken);
    }

    public async Task<bool> IsBlobCondemnedAsync(string uri, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM blob_gc WHERE key = $1 AND condemned_at IS NOT NULL)")
            .With(uri).ScalarAsync<bool>(cancellationToken);
    }

    public async Task<int> CountBlobGarbageAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return (int)await Sql.Command(connection, null, "SELECT count(*) FROM blob_gc").ScalarAsync<long>(cancellationToken);
    }

    /// <summary>
    /// Queues single blobs; one queued already keeps its place (and its condemnation, if a collector holds it). Inserted
    /// in key order, so that two deletions queueing the same blobs cannot deadlock on each other's new keys.
    /// </summary>
    private async Task QueueGarbageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<BlobReference> blobs, CancellationToken cancellationToken)
    {
        // A document known only from its status events has a source without an address: there is nothing to remove.
        var distinct = blobs.Where(b => b.Uri.Length > 0).DistinctBy(b => b.Uri, StringComparer.Ordinal).OrderBy(b => b.Uri, StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return;
        }

        await Sql.Command(connection, transaction, """
            INSERT INTO blob_gc (key, blob, queued_at)
            SELECT k, b::jsonb, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS g(k, b, n) ORDER BY n
            ON CONFLICT (key) DO NOTHING
            """).With(distinct.Select(b => b.Uri).ToArray()).With(distinct.Select(b => JsonSerializer.Serialize(b, SluiceJson.Options)).ToArray())
            .With(_time.GetUtcNow()).ExecuteAsync(cancellationToken);
    }

    private static Task<int> QueueOwnerGarbageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobOwner owner, DateTimeOffset now, CancellationToken cancellationToken)
        => Sql.Command(connection, transaction, """
            INSERT INTO blob_gc (key, owner_document, owner_revision, queued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING
            """).With($"{OwnerKeyPrefix}{owner.DocumentId}:{owner.Revision.ToString(CultureInfo.InvariantCulture)}")
            .With(owner.DocumentId).With(owner.Revision).With(now).ExecuteAsync(cancellationToken);
}
