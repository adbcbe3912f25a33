using Npgsql;
using Pgvector;
using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>Moving vectors to another embedder in place (see <see cref="IVectorMigration"/>).</summary>
public sealed partial class PostgresSearchIndex
{
    public async Task<IReadOnlyList<ForeignDocument>> ListForeignAsync(
        string embedder, string? afterDocumentId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(embedder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT document_id, min(tenant), min(embedder) FROM search_chunks
            WHERE embedder <> $1 AND document_id COLLATE "C" > $2
            GROUP BY document_id ORDER BY document_id COLLATE "C" LIMIT $3
            """).With(embedder).With(afterDocumentId ?? string.Empty).With(limit);
        var found = new List<ForeignDocument>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new ForeignDocument(reader.GetString(1), reader.GetString(0), reader.GetString(2)));
        }

        return found;
    }

    public async Task<IReadOnlyList<ChunkText>> ReadChunksAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT chunk_id, text FROM search_chunks WHERE document_id = $1 ORDER BY idx")
            .With(documentId);
        var chunks = new List<ChunkText>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            chunks.Add(new ChunkText(reader.GetString(0), reader.GetString(1)));
        }

        return chunks;
    }

    public async Task<bool> ReplaceVectorsAsync(
        string documentId, string previous, EmbedderInfo embedder, IReadOnlyList<ChunkVector> vectors, CancellationToken cancellationToken = default)
    {
        var byChunk = SearchIndexArguments.CheckReplaceVectors(documentId, previous, embedder, vectors);

        await _vectorIndexes.EnsureAsync(embedder.Dimensions, cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Under the document's lock (the one every upsert and delete takes), so nothing changes it between check and write.
        await using (var lockDocument = Sql.Command(connection, transaction, DocumentLocks.LockSql).With(DocumentLocks.Search).With(documentId))
        {
            await lockDocument.ExecuteAsync(cancellationToken);
        }

        var rows = new List<(string ChunkId, string Embedder)>();
        await using (var read = Sql.Command(connection, transaction, "SELECT chunk_id, embedder FROM search_chunks WHERE document_id = $1").With(documentId))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        if (rows.Count == 0 || rows.Count != byChunk.Count || rows.Any(r => r.Embedder != previous || !byChunk.ContainsKey(r.ChunkId)))
        {
            return false;
        }

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var (chunkId, vector) in byChunk)
            {
                batch.BatchCommands.Add(Statements.Of(
                    "UPDATE search_chunks SET embedder = $1, embedding = $2 WHERE chunk_id = $3", embedder.ToString(), new Vector(vector), chunkId));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
