using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Index;

/// <summary>Argument checks of an upsert, before anything is written.</summary>
internal static class UpsertValidation
{
    public static void Validate(string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(chunks);
        if (embedder.Dimensions < 1)
        {
            throw new ArgumentException($"Embedder {embedder} declares {embedder.Dimensions} dimensions.", nameof(embedder));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (chunk, vector) in chunks)
        {
            ArgumentNullException.ThrowIfNull(chunk, nameof(chunks));
            if (chunk.DocumentId != documentId)
            {
                throw new ArgumentException($"Chunk {chunk.Id} belongs to document {chunk.DocumentId}, not {documentId}.", nameof(chunks));
            }

            if (vector is null || vector.Length != embedder.Dimensions)
            {
                throw new ArgumentException(
                    $"Chunk {chunk.Id} has a vector of {vector?.Length ?? 0} dimensions; embedder {embedder} produces {embedder.Dimensions}.", nameof(chunks));
            }

            if (!ids.Add(chunk.Id))
            {
                throw new ArgumentException($"Chunk {chunk.Id} appears twice in document {documentId}.", nameof(chunks));
            }
        }
    }
}
