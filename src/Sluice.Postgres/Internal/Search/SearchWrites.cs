using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Sluice.Core.Ports;

namespace Sluice.Postgres.Internal.Search;

/// <summary>
/// A document's rows in <c>search_chunks</c>, replaced in one transaction under the document's lock: the old rows are
/// deleted and the new ones inserted (one batch of inserts, or binary COPY when the document has many chunks). The
/// keyword vector and the dimension are generated columns, computed by the server from what is written here.
/// </summary>
internal static class SearchWrites
{
    private const string Insert = """
        INSERT INTO search_chunks (chunk_id, tenant, document_id, idx, text, start_offset, end_offset, page, embedder, embedding)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """;

    private const string Copy = """
        COPY search_chunks (chunk_id, tenant, document_id, idx, text, start_offset, end_offset, page, embedder, embedding)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Replaces all of the document's rows in one transaction.</summary>
    public static Task ReplaceAsync(
        NpgsqlConnection connection, string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks,
        int copyThreshold, CancellationToken cancellationToken)
        => ReplaceAsync(connection, tenant, documentId, embedder, chunks, copyThreshold, null, cancellationToken);

    /// <summary>Replaces the document's rows (or, with <paramref name="range"/>, those of one batch) in one transaction.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="tenant">The document's tenant.</param>
    /// <param name="documentId">The document.</param>
    /// <param name="embedder">What made the vectors.</param>
    /// <param name="chunks">The new rows.</param>
    /// <param name="copyThreshold">From this many rows on, binary COPY instead of inserts.</param>
    /// <param name="range">When set, only the document's rows whose index lies in [from, to) are replaced (one batch); otherwise all of them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task ReplaceAsync(
        NpgsqlConnection connection, string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks,
        int copyThreshold, (int From, int To)? range, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var copy = chunks.Count >= copyThreshold;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Statements.Of(DocumentLocks.LockSql, DocumentLocks.Search, documentId));
            batch.BatchCommands.Add(range is { } r
                ? Statements.Of("DELETE FROM search_chunks WHERE document_id = $1 AND idx >= $2 AND idx < $3", documentId, r.From, r.To)
                : Statements.Of("DELETE FROM search_chunks WHERE document_id = $1", documentId));
            if (!copy)
            {
                foreach (var (chunk, vector) in chunks)
                {
                    batch.BatchCommands.Add(Statements.Of(
                        Insert, chunk.Id, tenant, documentId, chunk.Index, chunk.Text, chunk.Start, chunk.End,
                        (object?)chunk.Page ?? DBNull.Value, embedder.ToString(), new Vector(vector)));
                }
            }

            await RejectingForeignChunkIdsAsync(documentId, () => batch.ExecuteNonQueryAsync(cancellationToken));
        }

        if (copy)
        {
            await RejectingForeignChunkIdsAsync(documentId, () => CopyAsync(connection, tenant, documentId, embedder.ToString(), chunks, cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes the document's rows under its lock, so a delete after an upsert of the same document leaves nothing.</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, string documentId, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Statements.Of(DocumentLocks.LockSql, DocumentLocks.Search, documentId));
            batch.BatchCommands.Add(Statements.Of("DELETE FROM search_chunks WHERE document_id = $1", documentId));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<ulong> CopyAsync(
        NpgsqlConnection connection, string tenant, string documentId, string embedder, IReadOnlyList<IndexedChunk> chunks,
        CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(Copy, cancellationToken);
        foreach (var (chunk, vector) in chunks)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(chunk.Id, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(tenant, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(documentId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(chunk.Index, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync(chunk.Text, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(chunk.Start, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync(chunk.End, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteIntegerOrNullAsync(chunk.Page, cancellationToken);

            await writer.WriteAsync(embedder, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(new Vector(vector), "vector", cancellationToken);
        }

        return await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>A chunk id is the key of the index: one that another document holds is bad input, said as such.</summary>
    private static async Task RejectingForeignChunkIdsAsync<T>(string documentId, Func<Task<T>> write)
    {
        try
        {
            await write();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ArgumentException(
                $"A chunk of document {documentId} has an id that another document's chunk already has in the search index; chunk ids must be unique across documents.",
                e);
        }
    }
}
