using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// Write transactions: a document's rows (and, through triggers, its FTS entries) are deleted and inserted
/// in one immediate transaction that also appends a generation to the change log.
/// </summary>
internal static class IndexWriter
{
    /// <summary>Replaces the document's rows; returns the change and the new rows' ids, in chunk order.</summary>
    /// <param name="connection">An open connection to the index file.</param>
    /// <param name="tenant">The document's tenant.</param>
    /// <param name="documentId">The document.</param>
    /// <param name="embedder">What made the vectors.</param>
    /// <param name="chunks">The new rows.</param>
    /// <param name="range">When set, only the document's rows whose index lies in [from, to) are replaced (one batch); otherwise all of them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task<(IndexChange Change, long[] RowIds)> ReplaceAsync(
        SqliteConnection connection, string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks,
        (int From, int To)? range = null, CancellationToken cancellationToken = default)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        await DeleteRowsAsync(connection, documentId, range, cancellationToken);
        var rowIds = new long[chunks.Count];
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO search_chunks (chunk_id, tenant, document_id, idx, text, start_offset, end_offset, page, embedder, vector)
                VALUES ($id, $tenant, $doc, $idx, $text, $start, $end, $page, $embedder, $vector)
                RETURNING row_id
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            insert.Parameters.AddWithValue("$tenant", tenant);
            insert.Parameters.AddWithValue("$doc", documentId);
            var idx = insert.Parameters.Add("$idx", SqliteType.Integer);
            var text = insert.Parameters.Add("$text", SqliteType.Text);
            var start = insert.Parameters.Add("$start", SqliteType.Integer);
            var end = insert.Parameters.Add("$end", SqliteType.Integer);
            var page = insert.Parameters.Add("$page", SqliteType.Integer);
            insert.Parameters.AddWithValue("$embedder", embedder.ToString());
            var vector = insert.Parameters.Add("$vector", SqliteType.Blob);
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i].Chunk;
                id.Value = chunk.Id;
                idx.Value = chunk.Index;
                text.Value = chunk.Text;
                start.Value = chunk.Start;
                end.Value = chunk.End;
                page.Value = (object?)chunk.Page ?? DBNull.Value;
                vector.Value = VectorCodec.Encode(chunks[i].Vector);
                rowIds[i] = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            }
        }

        var change = await IndexGeneration.BumpAsync(connection, documentId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (change, rowIds);
    }

    /// <summary>Deletes the document's rows; null when it had none (nothing changed, no generation appended).</summary>
    public static async Task<IndexChange?> DeleteAsync(SqliteConnection connection, string documentId, CancellationToken cancellationToken = default)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        if (await DeleteRowsAsync(connection, documentId, null, cancellationToken) == 0)
        {
            return null;
        }

        var change = await IndexGeneration.BumpAsync(connection, documentId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return change;
    }

    private static async Task<int> DeleteRowsAsync(SqliteConnection connection, string documentId, (int From, int To)? range, CancellationToken cancellationToken)
    {
        await using var delete = connection.CreateCommand();
        delete.CommandText = range is null
            ? "DELETE FROM search_chunks WHERE document_id = $doc"
            : "DELETE FROM search_chunks WHERE document_id = $doc AND idx >= $from AND idx < $to";
        delete.Parameters.AddWithValue("$doc", documentId);
        if (range is { } r)
        {
            delete.Parameters.AddWithValue("$from", r.From);
            delete.Parameters.AddWithValue("$to", r.To);
        }

        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
