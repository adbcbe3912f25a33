using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// The compare-and-set of <see cref="IVectorMigration.ReplaceVectorsAsync"/>: in one immediate transaction, the
/// document's rows are read, checked (exactly the given chunks, all by the previous embedder) and given their new
/// vectors, and a generation is appended so every process's in-memory vectors follow.
/// </summary>
internal static class VectorMigrationWriter
{
    public sealed record Row(long RowId, string ChunkId, string Tenant);

    /// <summary>The change and the document's rows in chunk order; no change when the check failed (nothing written).</summary>
    public static async Task<(IndexChange? Change, IReadOnlyList<Row> Rows)> ReplaceAsync(
        SqliteConnection connection, string documentId, string previous, EmbedderInfo embedder, IReadOnlyDictionary<string, float[]> vectors,
        CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        var rows = new List<Row>();
        var matches = true;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT row_id, chunk_id, tenant, embedder FROM search_chunks WHERE document_id = $doc ORDER BY idx";
            read.Parameters.AddWithValue("$doc", documentId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
                matches &= reader.GetString(3) == previous && vectors.ContainsKey(row.ChunkId);
                rows.Add(row);
            }
        }

        if (!matches || rows.Count == 0 || rows.Count != vectors.Count)
        {
            return (null, rows);
        }

        await using (var update = connection.CreateCommand())
        {
            update.CommandText = "UPDATE search_chunks SET embedder = $embedder, vector = $vector WHERE row_id = $row";
            update.Parameters.AddWithValue("$embedder", embedder.ToString());
            var vector = update.Parameters.Add("$vector", SqliteType.Blob);
            var rowId = update.Parameters.Add("$row", SqliteType.Integer);
            foreach (var row in rows)
            {
                vector.Value = VectorCodec.Encode(vectors[row.ChunkId]);
                rowId.Value = row.RowId;
                await update.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var change = await IndexGeneration.BumpAsync(connection, documentId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (change, rows);
    }
}
