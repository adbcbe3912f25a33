namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// One document's vectors in memory, immutable: its chunks' row ids and chunk ids, and their vectors laid
/// out one after another in a single array (chunk <c>i</c> at <c>[i * Dimensions, (i + 1) * Dimensions)</c>).
/// A replaced document gets a new instance, so a search sees either all of the old set or all of the new.
/// </summary>
internal sealed class DocumentVectors
{
    public DocumentVectors(string tenant, string documentId, string embedder, int dimensions, long[] rowIds, string[] chunkIds, float[] vectors)
    {
        if (rowIds.Length != chunkIds.Length || vectors.Length != rowIds.Length * dimensions)
        {
            throw new ArgumentException("Row ids, chunk ids and vectors disagree on the number of chunks.", nameof(vectors));
        }

        Tenant = tenant;
        DocumentId = documentId;
        Embedder = embedder;
        Dimensions = dimensions;
        RowIds = rowIds;
        ChunkIds = chunkIds;
        Vectors = vectors;
    }

    public string Tenant { get; }

    public string DocumentId { get; }

    /// <summary><c>name@version</c> of the model that produced the vectors.</summary>
    public string Embedder { get; }

    public int Dimensions { get; }

    public long[] RowIds { get; }

    public string[] ChunkIds { get; }

    public float[] Vectors { get; }

    public int Count => RowIds.Length;

    public ReadOnlySpan<float> Vector(int chunk) => Vectors.AsSpan(chunk * Dimensions, Dimensions);
}
