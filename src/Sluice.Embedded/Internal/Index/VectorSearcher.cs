using System.Numerics.Tensors;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// Exact nearest-neighbour search over a snapshot: the dot product (the cosine, as vectors are normalised)
/// of the query with every candidate of the tenant (and listed documents) made by the query's embedder
/// (<c>name@version</c>): vectors of another model, or of the same model at another precision, are never ranked
/// against it.
/// </summary>
internal static class VectorSearcher
{
    public static List<VectorMatch> Search(
        VectorSnapshot snapshot, ReadOnlySpan<float> query, string embedder, string tenant, IReadOnlyCollection<string>? documentIds, int depth)
    {
        var top = new TopK(depth);
        foreach (var document in Candidates(snapshot, tenant, documentIds))
        {
            if (document.Dimensions != query.Length || !string.Equals(document.Embedder, embedder, StringComparison.Ordinal))
            {
                continue;
            }

            for (var i = 0; i < document.Count; i++)
            {
                var score = TensorPrimitives.Dot(query, document.Vector(i));
                if (top.Admits(score))
                {
                    top.Offer(new VectorMatch(document.RowIds[i], document.ChunkIds[i], score));
                }
            }
        }

        return top.ToList();
    }

    private static IEnumerable<DocumentVectors> Candidates(VectorSnapshot snapshot, string tenant, IReadOnlyCollection<string>? documentIds)
    {
        if (documentIds is null)
        {
            return snapshot.Tenants.TryGetValue(tenant, out var documents) ? documents.Values : [];
        }

        return documentIds
            .Distinct(StringComparer.Ordinal)
            .Select(id => snapshot.Documents.GetValueOrDefault(id))
            .Where(d => d is not null && d.Tenant == tenant)
            .Cast<DocumentVectors>();
    }
}
