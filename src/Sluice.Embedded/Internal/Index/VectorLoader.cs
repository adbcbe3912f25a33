using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Index;

/// <summary>Reads vectors from the file into <see cref="DocumentVectors"/>, one document at a time.</summary>
internal static class VectorLoader
{
    private const string Columns = "SELECT row_id, chunk_id, tenant, document_id, embedder, vector FROM search_chunks";

    public static async Task<List<DocumentVectors>> LoadAllAsync(SqliteConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Columns + " ORDER BY document_id, idx";
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The document's current vectors, or null when it has none.</summary>
    public static async Task<DocumentVectors?> LoadDocumentAsync(SqliteConnection connection, string documentId, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Columns + " WHERE document_id = $doc ORDER BY idx";
        command.Parameters.AddWithValue("$doc", documentId);
        var documents = await ReadAsync(command, cancellationToken);
        return documents.Count == 0 ? null : documents[0];
    }

    private static async Task<List<DocumentVectors>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var documents = new List<DocumentVectors>();
        var builder = new Builder();
        var bytes = Array.Empty<byte>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var documentId = reader.GetString(3);
            if (builder.DocumentId != documentId)
            {
                builder.Flush(documents);
                builder.Start(reader.GetString(2), documentId, reader.GetString(4));
            }

            var length = (int)reader.GetBytes(5, 0, null, 0, 0);
            if (length % sizeof(float) != 0)
            {
                throw new InvalidDataException($"The vector of chunk {reader.GetString(1)} is {length} bytes, not a whole number of float32 values.");
            }

            if (bytes.Length < length)
            {
                bytes = new byte[length];
            }

            reader.GetBytes(5, 0, bytes, 0, length);
            builder.Add(reader.GetInt64(0), reader.GetString(1), bytes.AsSpan(0, length));
        }

        builder.Flush(documents);
        return documents;
    }

    /// <summary>Accumulates one document's rows, then copies them into exactly sized arrays.</summary>
    private sealed class Builder
    {
        private readonly List<long> _rowIds = [];
        private readonly List<string> _chunkIds = [];
        private float[] _vectors = new float[4096];
        private string _tenant = string.Empty;
        private string _embedder = string.Empty;
        private int _dimensions = -1;

        public string? DocumentId { get; private set; }

        public void Start(string tenant, string documentId, string embedder)
        {
            _tenant = tenant;
            DocumentId = documentId;
            _embedder = embedder;
            _dimensions = -1;
        }

        public void Add(long rowId, string chunkId, ReadOnlySpan<byte> vector)
        {
            var dimensions = vector.Length / sizeof(float);
            if (_dimensions >= 0 && dimensions != _dimensions)
            {
                throw new InvalidDataException($"Document {DocumentId} mixes vectors of {_dimensions} and {dimensions} dimensions.");
            }

            _dimensions = dimensions;
            var offset = _rowIds.Count * dimensions;
            if (_vectors.Length < offset + dimensions)
            {
                Array.Resize(ref _vectors, Math.Max(_vectors.Length * 2, offset + dimensions));
            }

            VectorCodec.Decode(vector, _vectors.AsSpan(offset, dimensions));
            _rowIds.Add(rowId);
            _chunkIds.Add(chunkId);
        }

        public void Flush(List<DocumentVectors> documents)
        {
            if (DocumentId is null || _rowIds.Count == 0)
            {
                return;
            }

            var vectors = _vectors.AsSpan(0, _rowIds.Count * _dimensions).ToArray();
            documents.Add(new DocumentVectors(_tenant, DocumentId, _embedder, _dimensions, [.. _rowIds], [.. _chunkIds], vectors));
            _rowIds.Clear();
            _chunkIds.Clear();
            DocumentId = null;
        }
    }
}
