using System.Collections.Immutable;

namespace Sluice.Embedded.Internal.Index;

/// <summary>
/// The in-memory vectors as of one generation of the file: immutable, so searches read it without locks
/// while a writer builds the next one.
/// </summary>
internal sealed class VectorSnapshot
{
    public static readonly VectorSnapshot Empty = new(
        0,
        ImmutableDictionary<string, DocumentVectors>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, ImmutableDictionary<string, DocumentVectors>>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<int, long>.Empty);

    private VectorSnapshot(
        long generation,
        ImmutableDictionary<string, DocumentVectors> documents,
        ImmutableDictionary<string, ImmutableDictionary<string, DocumentVectors>> tenants,
        ImmutableDictionary<int, long> chunksByDimension)
    {
        Generation = generation;
        Documents = documents;
        Tenants = tenants;
        ChunksByDimension = chunksByDimension;
    }

    /// <summary>The file's generation this snapshot reflects exactly.</summary>
    public long Generation { get; }

    /// <summary>Every document by id.</summary>
    public ImmutableDictionary<string, DocumentVectors> Documents { get; }

    /// <summary>Documents by tenant, then by id.</summary>
    public ImmutableDictionary<string, ImmutableDictionary<string, DocumentVectors>> Tenants { get; }

    /// <summary>How many chunks have vectors of each dimension.</summary>
    public ImmutableDictionary<int, long> ChunksByDimension { get; }

    public long ChunkCount => ChunksByDimension.Values.Sum();

    /// <summary>Whether a query of this dimension can be compared: the index is empty or holds vectors of it.</summary>
    public bool Holds(int dimensions) => ChunksByDimension.IsEmpty || ChunksByDimension.ContainsKey(dimensions);

    /// <summary>The dimensions held, e.g. <c>384</c> or <c>384 and 768</c>.</summary>
    public string DescribeDimensions() => string.Join(" and ", ChunksByDimension.Keys.Order());

    /// <summary>Builds a snapshot from a full load.</summary>
    public static VectorSnapshot Create(long generation, IEnumerable<DocumentVectors> documents)
    {
        var snapshot = Empty;
        var changes = documents.Select(d => (d.DocumentId, (DocumentVectors?)d));
        return snapshot.With(generation, changes);
    }

    /// <summary>A snapshot at <paramref name="generation"/> where each listed document is replaced (or removed, when null).</summary>
    public VectorSnapshot With(long generation, IEnumerable<(string DocumentId, DocumentVectors? Vectors)> changes)
    {
        var documents = Documents.ToBuilder();
        var tenants = Tenants.ToBuilder();
        var dimensions = ChunksByDimension.ToBuilder();
        var touched = new Dictionary<string, ImmutableDictionary<string, DocumentVectors>.Builder>(StringComparer.Ordinal);

        ImmutableDictionary<string, DocumentVectors>.Builder TenantBuilder(string tenant)
        {
            if (!touched.TryGetValue(tenant, out var builder))
            {
                builder = tenants.TryGetValue(tenant, out var existing)
                    ? existing.ToBuilder()
                    : ImmutableDictionary.CreateBuilder<string, DocumentVectors>(StringComparer.Ordinal);
                touched.Add(tenant, builder);
            }

            return builder;
        }

        foreach (var (documentId, vectors) in changes)
        {
            if (documents.TryGetValue(documentId, out var old))
            {
                TenantBuilder(old.Tenant).Remove(documentId);
                Count(dimensions, old, -1);
                documents.Remove(documentId);
            }

            if (vectors is { Count: > 0 })
            {
                TenantBuilder(vectors.Tenant)[documentId] = vectors;
                Count(dimensions, vectors, +1);
                documents[documentId] = vectors;
            }
        }

        foreach (var (tenant, builder) in touched)
        {
            if (builder.Count == 0)
            {
                tenants.Remove(tenant);
            }
            else
            {
                tenants[tenant] = builder.ToImmutable();
            }
        }

        return new VectorSnapshot(generation, documents.ToImmutable(), tenants.ToImmutable(), dimensions.ToImmutable());
    }

    private static void Count(ImmutableDictionary<int, long>.Builder dimensions, DocumentVectors vectors, int sign)
    {
        var count = dimensions.GetValueOrDefault(vectors.Dimensions) + (sign * vectors.Count);
        if (count == 0)
        {
            dimensions.Remove(vectors.Dimensions);
        }
        else
        {
            dimensions[vectors.Dimensions] = count;
        }
    }
}
