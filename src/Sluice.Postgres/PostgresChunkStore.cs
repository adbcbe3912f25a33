using Npgsql;
using NpgsqlTypes;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// Chunks in PostgreSQL (<c>chunks</c>, keyed by document and index). A re-chunked document's set is replaced in one
/// transaction under the document's advisory lock, so concurrent replaces of one document leave exactly one of the sets
/// and a reader sees the old set or the new one, never a mix. Many chunks are written with binary COPY.
/// </summary>
public sealed class PostgresChunkStore(PostgresDatabase database) : IChunkStore
{
    /// <summary>A document with at least this many chunks is written with binary COPY instead of one batch of inserts.</summary>
    internal const int CopyThreshold = 32;

    private const string Insert = """
        INSERT INTO chunks (document_id, idx, id, text, start_offset, end_offset, page, tokens)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """;

    private const string Copy = """
        COPY chunks (document_id, idx, id, text, start_offset, end_offset, page, tokens) FROM STDIN (FORMAT BINARY)
        """;

    public async Task ReplaceAsync(string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(chunks);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var copy = chunks.Count >= CopyThreshold;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Statements.Of(DocumentLocks.LockSql, DocumentLocks.Chunks, documentId));
            batch.BatchCommands.Add(Statements.Of("DELETE FROM chunks WHERE document_id = $1", documentId));
            if (!copy)
            {
                foreach (var chunk in chunks)
                {
                    batch.BatchCommands.Add(Statements.Of(
                        Insert, documentId, chunk.Index, chunk.Id, chunk.Text, chunk.Start, chunk.End, (object?)chunk.Page ?? DBNull.Value, chunk.Tokens));
                }
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        if (copy)
        {
            await using var writer = await connection.BeginBinaryImportAsync(Copy, cancellationToken);
            foreach (var chunk in chunks)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(documentId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(chunk.Index, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(chunk.Id, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(chunk.Text, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(chunk.Start, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(chunk.End, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteIntegerOrNullAsync(chunk.Page, cancellationToken);

                await writer.WriteAsync(chunk.Tokens, NpgsqlDbType.Integer, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Chunk>> ListAsync(string documentId, int fromIndex, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT id, idx, text, start_offset, end_offset, page, tokens FROM chunks
            WHERE document_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3
            """).With(documentId).With(fromIndex).With(limit);
        var result = new List<Chunk>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Chunk(
                reader.GetString(0), documentId, reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetInt32(6)));
        }

        return result;
    }

    public async Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)await Sql.Command(connection, null, "SELECT count(*) FROM chunks WHERE document_id = $1")
            .With(documentId).ScalarAsync<long>(cancellationToken);
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Statements.Of(DocumentLocks.LockSql, DocumentLocks.Chunks, documentId));
            batch.BatchCommands.Add(Statements.Of("DELETE FROM chunks WHERE document_id = $1", documentId));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
