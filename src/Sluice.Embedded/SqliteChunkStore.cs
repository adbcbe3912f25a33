using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>Chunks in SQLite, keyed by (document, index); a re-chunked document replaces its set atomically.</summary>
public sealed class SqliteChunkStore(IOptions<SqliteStoreOptions> options) : IChunkStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS chunks (
            document_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            id TEXT NOT NULL,
            text TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            page INTEGER,
            tokens INTEGER NOT NULL,
            PRIMARY KEY (document_id, idx)
        ) WITHOUT ROWID;
        """;

    private readonly SqliteFile _file = new(options.Value.ChunksPath, Schema, holdsContent: true);

    public async Task ReplaceAsync(string documentId, IReadOnlyList<Chunk> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM chunks WHERE document_id = $doc";
            delete.Parameters.AddWithValue("$doc", documentId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO chunks (document_id, idx, id, text, start_offset, end_offset, page, tokens)
                VALUES ($doc, $idx, $id, $text, $start, $end, $page, $tokens)
                """;
            var doc = insert.Parameters.Add("$doc", SqliteType.Text);
            var idx = insert.Parameters.Add("$idx", SqliteType.Integer);
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var text = insert.Parameters.Add("$text", SqliteType.Text);
            var start = insert.Parameters.Add("$start", SqliteType.Integer);
            var end = insert.Parameters.Add("$end", SqliteType.Integer);
            var page = insert.Parameters.Add("$page", SqliteType.Integer);
            var tokens = insert.Parameters.Add("$tokens", SqliteType.Integer);
            foreach (var chunk in chunks)
            {
                doc.Value = documentId;
                idx.Value = chunk.Index;
                id.Value = chunk.Id;
                text.Value = chunk.Text;
                start.Value = chunk.Start;
                end.Value = chunk.End;
                page.Value = (object?)chunk.Page ?? DBNull.Value;
                tokens.Value = chunk.Tokens;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Chunk>> ListAsync(string documentId, int fromIndex, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, idx, text, start_offset, end_offset, page, tokens FROM chunks
            WHERE document_id = $doc AND idx >= $from ORDER BY idx LIMIT $limit
            """;
        command.Parameters.AddWithValue("$doc", documentId);
        command.Parameters.AddWithValue("$from", fromIndex);
        command.Parameters.AddWithValue("$limit", limit);
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
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM chunks WHERE document_id = $doc";
        command.Parameters.AddWithValue("$doc", documentId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM chunks WHERE document_id = $doc";
        command.Parameters.AddWithValue("$doc", documentId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
