namespace Sluice.Core.Ports;

/// <summary>A document some of whose indexed vectors were made by an embedder other than the one asked about.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="DocumentId">The document.</param>
/// <param name="Embedder">The other embedder (<c>name@version</c>) of one of its rows.</param>
public sealed record ForeignDocument(string Tenant, string DocumentId, string Embedder);

/// <summary>An indexed chunk's id and text, to embed again.</summary>
public sealed record ChunkText(string ChunkId, string Text);

/// <summary>A chunk's new vector.</summary>
public sealed record ChunkVector(string ChunkId, float[] Vector);

/// <summary>
/// Moves a search index's vectors to another embedder in place, one document at a time, without touching the chunks
/// themselves: what re-embedding needs when the model or its precision changes (see <c>Reembedding</c>).
/// </summary>
public interface IVectorMigration
{
    /// <summary>
    /// Documents with at least one row not made by <paramref name="embedder"/> (<c>name@version</c>), in document id
    /// order after <paramref name="afterDocumentId"/>.
    /// </summary>
    Task<IReadOnlyList<ForeignDocument>> ListForeignAsync(
        string embedder, string? afterDocumentId, int limit, CancellationToken cancellationToken = default);

    /// <summary>The document's indexed chunks, in order (empty when it has none).</summary>
    Task<IReadOnlyList<ChunkText>> ReadChunksAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the document's rows the new vectors of <paramref name="embedder"/>, in one transaction, only if the
    /// document's rows are still exactly the chunks in <paramref name="vectors"/> and all made by
    /// <paramref name="previous"/>. Returns false, changing nothing, when they are not: the document was re-indexed,
    /// deleted or migrated meanwhile, and what is there now wins.
    /// </summary>
    Task<bool> ReplaceVectorsAsync(
        string documentId, string previous, EmbedderInfo embedder, IReadOnlyList<ChunkVector> vectors, CancellationToken cancellationToken = default);
}
