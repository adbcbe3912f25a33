using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Index;

/// <summary>Chunks and hand-made unit vectors for the SQLite index tests.</summary>
internal static class IndexData
{
    public const string Tenant = "tenant";

    public static readonly EmbedderInfo MiniLm = new("all-MiniLM-L6-v2", "test-1", 384);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Chunk Chunk(string documentId, int index, string text, string? version = null) =>
        new($"{documentId}:{index}:{version ?? "v"}", documentId, index, text, index * 100, (index * 100) + text.Length, null, 10);

    /// <summary>A unit vector of <paramref name="dimensions"/> at <paramref name="degrees"/> in the plane of the first two axes.</summary>
    public static float[] At(double degrees, int dimensions = 384)
    {
        var vector = new float[dimensions];
        vector[0] = (float)Math.Cos(degrees * Math.PI / 180);
        vector[1] = (float)Math.Sin(degrees * Math.PI / 180);
        return vector;
    }

    public static Task UpsertAsync(ISearchIndex index, string documentId, params (string Text, double Degrees)[] chunks) =>
        index.UpsertAsync(Tenant, documentId, MiniLm, [.. chunks.Select((c, i) => new IndexedChunk(Chunk(documentId, i, c.Text), At(c.Degrees)))], Ct);

    public static Task<IReadOnlyList<SearchHit>> SearchAsync(ISearchIndex index, SearchMode mode, string text = "", double degrees = 0, int k = 10) =>
        index.SearchAsync(new SearchQuery(text, mode == SearchMode.Keyword ? null : At(degrees), k, mode, Tenant, Embedder: mode == SearchMode.Keyword ? null : MiniLm), Ct);

    public static List<string> Ids(IEnumerable<SearchHit> hits) => [.. hits.Select(h => h.ChunkId)];
}
