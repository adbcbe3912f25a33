using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="ISearchIndex"/> must have, whatever the backend. A fixture derives from this class
/// and says how to open an index; every test uses its own tenant and document ids, so fixtures may share a backend.
/// Vectors are hand-made unit vectors at known angles in the plane of the first two axes, so their cosines are known.
/// </summary>
public abstract partial class SearchIndexConformance : IAsyncDisposable
{
    private readonly OwnedResources _resources = new();
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Vector length the backend stores (a pgvector column has a fixed one).</summary>
    protected virtual int Dimensions => 384;

    protected EmbedderInfo Embedder => new("conformance-embedder", "1", Dimensions);

    /// <summary>This test's tenant.</summary>
    protected string Tenant => $"tenant-{_prefix}";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask DisposeAsync()
    {
        await _resources.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Opens an index on this test's backend. Called several times in one test, every instance must see the same
    /// data, as separate processes would.
    /// </summary>
    protected abstract Task<ISearchIndex> CreateIndexAsync(CancellationToken cancellationToken);

    protected async Task<ISearchIndex> OpenIndexAsync()
    {
        var index = await CreateIndexAsync(Ct);
        _resources.Add(index);
        return index;
    }

    /// <summary>A document id no other test uses.</summary>
    protected string Doc(string name) => $"doc-{_prefix}-{name}";

    /// <summary>A chunk of <paramref name="documentId"/>; the id is derived from the document, index and text unless given.</summary>
    protected static Chunk Chunk(string documentId, int index, string text, string? id = null, int? page = null) =>
        new(id ?? $"{documentId}:{index}:{StableHash(text)}", documentId, index, text, index * 1000, (index * 1000) + text.Length, page, text.Length / 4);

    /// <summary>A unit vector at <paramref name="degrees"/> from the first axis, towards the second.</summary>
    protected float[] At(double degrees)
    {
        var vector = new float[Dimensions];
        var radians = degrees * Math.PI / 180;
        vector[0] = (float)Math.Cos(radians);
        vector[1] = (float)Math.Sin(radians);
        return vector;
    }

    protected IndexedChunk Indexed(Chunk chunk, double degrees) => new(chunk, At(degrees));

    protected Task UpsertAsync(ISearchIndex index, string documentId, params IndexedChunk[] chunks) =>
        UpsertAsync(index, Tenant, documentId, chunks);

    protected Task UpsertAsync(ISearchIndex index, string tenant, string documentId, params IndexedChunk[] chunks) =>
        index.UpsertAsync(tenant, documentId, Embedder, chunks, Ct);

    protected Task<IReadOnlyList<SearchHit>> VectorAsync(ISearchIndex index, double degrees, int k = 10, IReadOnlyCollection<string>? documents = null, string? tenant = null) =>
        index.SearchAsync(new SearchQuery(string.Empty, At(degrees), k, SearchMode.Vector, tenant ?? Tenant, documents, Embedder), Ct);

    protected Task<IReadOnlyList<SearchHit>> KeywordAsync(ISearchIndex index, string text, int k = 10, IReadOnlyCollection<string>? documents = null, string? tenant = null) =>
        index.SearchAsync(new SearchQuery(text, null, k, SearchMode.Keyword, tenant ?? Tenant, documents), Ct);

    protected Task<IReadOnlyList<SearchHit>> HybridAsync(
        ISearchIndex index, string text, double degrees, int k = 10, IReadOnlyCollection<string>? documents = null, string? tenant = null) =>
        index.SearchAsync(new SearchQuery(text, At(degrees), k, SearchMode.Hybrid, tenant ?? Tenant, documents, Embedder), Ct);

    /// <summary>The same query in the three modes (vector at 0°, keyword <paramref name="text"/>).</summary>
    protected async Task<IReadOnlyList<SearchHit>[]> AllModesAsync(ISearchIndex index, string text, int k = 10, IReadOnlyCollection<string>? documents = null, string? tenant = null) =>
    [
        await VectorAsync(index, 0, k, documents, tenant),
        await KeywordAsync(index, text, k, documents, tenant),
        await HybridAsync(index, text, 0, k, documents, tenant),
    ];

    protected static List<string> Ids(IEnumerable<SearchHit> hits) => [.. hits.Select(h => h.ChunkId)];

    private static string StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
