using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Embedded.Internal.Index;

namespace Sluice.Embedded;

/// <summary>Moving vectors to another embedder in place (see <see cref="IVectorMigration"/>).</summary>
public sealed partial class SqliteSearchIndex
{
    public async Task<IReadOnlyList<ForeignDocument>> ListForeignAsync(
        string embedder, string? afterDocumentId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(embedder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT document_id, MIN(tenant), MIN(embedder) FROM search_chunks
            WHERE embedder <> $embedder AND document_id > $after
            GROUP BY document_id ORDER BY document_id LIMIT $limit
            """;
        command.Parameters.AddWithValue("$embedder", embedder);
        command.Parameters.AddWithValue("$after", afterDocumentId ?? string.Empty);
        command.Parameters.AddWithValue("$limit", limit);
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
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT chunk_id, text FROM search_chunks WHERE document_id = $doc ORDER BY idx";
        command.Parameters.AddWithValue("$doc", documentId);
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

        await using var connection = await _file.OpenAsync(cancellationToken);
        var (change, rows) = await VectorMigrationWriter.ReplaceAsync(connection, documentId, previous, embedder, byChunk, cancellationToken);
        if (change is not { } applied)
        {
            return false;
        }

        var flat = new float[rows.Count * embedder.Dimensions];
        for (var i = 0; i < rows.Count; i++)
        {
            byChunk[rows[i].ChunkId].CopyTo(flat, i * embedder.Dimensions);
        }

        var tenant = rows[0].Tenant;
        await _cache.ApplyAsync(
            applied, documentId,
            new DocumentVectors(tenant, documentId, embedder.ToString(), embedder.Dimensions, [.. rows.Select(r => r.RowId)], [.. rows.Select(r => r.ChunkId)], flat));
        return true;
    }
}
