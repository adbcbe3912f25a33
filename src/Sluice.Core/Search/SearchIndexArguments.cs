using Sluice.Core.Ports;

namespace Sluice.Core.Search;

/// <summary>
/// Argument checks shared by every <see cref="ISearchIndex"/>, made before anything is read or written, so that
/// every backend refuses the same bad input with the same message.
/// </summary>
public static class SearchIndexArguments
{
    /// <summary>Largest number of results a query may ask for (the search API's bound).</summary>
    public const int MaxResults = 1000;

    /// <summary>
    /// An upsert: every chunk belongs to the document, appears once, and has a vector of the embedder's dimension
    /// (so a document is never indexed with a mix of embedders or dimensions).
    /// </summary>
    /// <summary>An upsert of one batch (see <see cref="ISearchIndex.UpsertRangeAsync"/>): as <see cref="CheckUpsert"/>, and every chunk lies in the range.</summary>
    public static void CheckUpsertRange(
        string tenant, string documentId, EmbedderInfo embedder, int fromIndex, int toIndex, IReadOnlyList<IndexedChunk> chunks)
    {
        CheckUpsert(tenant, documentId, embedder, chunks);
        ArgumentOutOfRangeException.ThrowIfNegative(fromIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(toIndex, fromIndex);
        foreach (var (chunk, _) in chunks)
        {
            if (chunk.Index < fromIndex || chunk.Index >= toIndex)
            {
                throw new ArgumentException(
                    $"Chunk {chunk.Id} has index {chunk.Index}, outside the batch's range [{fromIndex}, {toIndex}).", nameof(chunks));
            }
        }
    }

    public static void CheckUpsert(string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks)
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

    /// <summary>A query: a tenant, 1..<paramref name="maxResults"/> results, a known mode, and a vector with its embedder unless keyword.</summary>
    public static void CheckQuery(SearchQuery query, int maxResults = MaxResults)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrEmpty(query.Tenant, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.K, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.K, maxResults, nameof(query));
        if (query.Mode != SearchMode.Keyword && query.Vector is not { Length: > 0 })
        {
            throw new ArgumentException($"A {query.Mode.ToString().ToLowerInvariant()} search needs a query vector.", nameof(query));
        }

        if (query.Mode != SearchMode.Keyword && query.Embedder is null)
        {
            throw new ArgumentException(
                $"A {query.Mode.ToString().ToLowerInvariant()} search needs the embedder that made the query vector.", nameof(query));
        }

        if (query.Mode != SearchMode.Keyword && query.Embedder!.Dimensions != query.Vector!.Length)
        {
            throw new ArgumentException(
                $"The query vector has {query.Vector.Length} dimensions; embedder {query.Embedder} produces {query.Embedder.Dimensions}.", nameof(query));
        }

        if (!Enum.IsDefined(query.Mode))
        {
            throw new ArgumentException($"Unknown search mode {query.Mode}.", nameof(query));
        }
    }

    /// <summary>
    /// The arguments of <see cref="IVectorMigration.ReplaceVectorsAsync"/>: a document, the previous embedder, and one
    /// vector of the new embedder's dimension per chunk; returns the vectors by chunk id.
    /// </summary>
    public static Dictionary<string, float[]> CheckReplaceVectors(
        string documentId, string previous, EmbedderInfo embedder, IReadOnlyList<ChunkVector> vectors)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentException.ThrowIfNullOrEmpty(previous);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Any(v => v.Vector is null || v.Vector.Length != embedder.Dimensions))
        {
            throw new ArgumentException($"Every vector must have the {embedder.Dimensions} dimensions of {embedder}.", nameof(vectors));
        }

        return vectors.ToDictionary(v => v.ChunkId, v => v.Vector, StringComparer.Ordinal);
    }
}
