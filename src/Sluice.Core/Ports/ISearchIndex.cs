using Sluice.Core.Events;

namespace Sluice.Core.Ports;

public enum SearchMode
{
    Vector,
    Keyword,
    Hybrid,
}

/// <summary>A chunk with its vector, ready for the index.</summary>
public sealed record IndexedChunk(Chunk Chunk, float[] Vector);

/// <param name="Text">The query text (used by keyword search).</param>
/// <param name="Vector">The query's embedding (used by vector search); required unless the mode is keyword.</param>
/// <param name="K">Number of results.</param>
/// <param name="Mode">Vector, keyword, or both fused by reciprocal rank.</param>
/// <param name="Tenant">Only chunks of this tenant.</param>
/// <param name="DocumentIds">When set, only chunks of these documents.</param>
/// <param name="Embedder">
/// What made <paramref name="Vector"/>; required unless the mode is keyword. Vector search compares the query only with
/// vectors this same embedder (name and version) made: vectors of two models, or of one model at two precisions, live
/// in different spaces and are never ranked together.
/// </param>
public sealed record SearchQuery(
    string Text,
    float[]? Vector,
    int K,
    SearchMode Mode,
    string Tenant,
    IReadOnlyCollection<string>? DocumentIds = null,
    EmbedderInfo? Embedder = null);

/// <summary>One result: a chunk, where it is in its document, and its score (higher is better).</summary>
public sealed record SearchHit(
    string DocumentId, string ChunkId, int Index, string Text, double Score, int Start, int End, int? Page);

/// <summary>
/// Vector and keyword index over chunks. Upserting a document replaces all of its chunks (idempotent by
/// chunk id, so a replay or a re-embedding never duplicates); deleting removes every trace.
/// </summary>
public interface ISearchIndex
{
    /// <summary>Replaces the document's chunks with <paramref name="chunks"/>, all embedded by <paramref name="embedder"/>.</summary>
    Task UpsertAsync(
        string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the document's chunks whose index lies in [<paramref name="fromIndex"/>, <paramref name="toIndex"/>) with
    /// <paramref name="chunks"/>, which must all lie in that range, and leaves its other chunks as they are: one batch of a
    /// document indexed batch by batch. Idempotent: the same batch again replaces exactly its own rows.
    /// </summary>
    Task UpsertRangeAsync(
        string tenant, string documentId, EmbedderInfo embedder, int fromIndex, int toIndex, IReadOnlyList<IndexedChunk> chunks,
        CancellationToken cancellationToken = default);

    /// <summary>Removes the document's chunks; removing an absent document is not an error.</summary>
    Task DeleteAsync(string documentId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>Number of indexed chunks of a document (0 when absent).</summary>
    Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default);
}
