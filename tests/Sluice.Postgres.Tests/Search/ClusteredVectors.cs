using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Testing;

namespace Sluice.Postgres.Tests.Search;

/// <summary>
/// A database holding 5,000 random unit vectors of 128 dimensions around 25 cluster centres (seeded, so every run
/// indexes the same ones), in 100 documents of 50 chunks: document 0 belongs to tenant <see cref="Small"/> (1% of the
/// vectors), the others to tenant <see cref="Large"/>.
/// </summary>
public sealed class ClusteredVectors(PostgresServer server) : IAsyncLifetime
{
    public const int Dimensions = 128;
    public const int Documents = 100;
    public const int ChunksPerDocument = 50;
    public const string Small = "small-tenant";
    public const string Large = "large-tenant";

    private readonly ClassDatabase _database = new(server);
    private readonly List<(string Tenant, string DocumentId, string ChunkId, float[] Vector)> _vectors = [];
    private readonly Random _random = new(20_261_205);
    private float[][] _centres = [];

    public static EmbedderInfo Embedder { get; } = new("clustered", "1", Dimensions);

    public IReadOnlyList<(string Tenant, string DocumentId, string ChunkId, float[] Vector)> Vectors => _vectors;

    /// <summary>The options the seeded database was opened with.</summary>
    public PostgresOptions Options => _database.Options!;

    public static string DocumentId(int document) => $"clustered-{document}";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>The seeded database (built on first use).</summary>
    public async Task<PostgresDatabase> GetAsync()
    {
        var database = await _database.GetAsync();
        if (_vectors.Count == 0)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            _centres = [.. Enumerable.Range(0, 25).Select(_ => Normalised(Gaussian(1.0)))];
            var index = new PostgresSearchIndex(database, Microsoft.Extensions.Options.Options.Create(new PostgresSearchIndexOptions()));
            var ct = TestContext.Current.CancellationToken;

            // The large tenant's rows go in before the dimension has its HNSW index, which the small tenant's upsert then
            // builds over them (the path of a new embedder on a populated table, and much faster than growing the graph
            // one insert at a time).
            for (var d = Documents - 1; d >= 0; d--)
            {
                var tenant = d == 0 ? Small : Large;
                var documentId = DocumentId(d);
                var chunks = new List<IndexedChunk>(ChunksPerDocument);
                for (var i = 0; i < ChunksPerDocument; i++)
                {
                    var vector = Near();
                    var chunk = new Chunk($"{documentId}:{i}", documentId, i, $"chunk {i} of {documentId}", 0, 10, null, 3);
                    chunks.Add(new IndexedChunk(chunk, vector));
                    _vectors.Add((tenant, documentId, chunk.Id, vector));
                }

                if (d == 0)
                {
                    await index.UpsertAsync(tenant, documentId, Embedder, chunks, ct);
                }
                else
                {
                    await using var writer = await database.OpenAsync(ct);
                    await Internal.Search.SearchWrites.ReplaceAsync(writer, tenant, documentId, Embedder, chunks, copyThreshold: 1, ct);
                }
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"Indexed {_vectors.Count} vectors in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
            await using var connection = await database.OpenAsync();
            await using var analyze = new Npgsql.NpgsqlCommand("ANALYZE search_chunks", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        return database;
    }

    /// <summary>A query vector: a point near a random cluster centre.</summary>
    public float[] Query() => Near();

    /// <summary>The exact k nearest of the vectors that pass <paramref name="filter"/>, by cosine similarity.</summary>
    public List<string> Exact(float[] query, int k, Func<(string Tenant, string DocumentId, string ChunkId, float[] Vector), bool> filter) =>
    [
        .. _vectors.Where(filter)
            .OrderByDescending(v => Dot(query, v.Vector))
            .Take(k)
            .Select(v => v.ChunkId),
    ];

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    private float[] Near()
    {
        var centre = _centres[_random.Next(_centres.Length)];
        var noise = Gaussian(0.6 / Math.Sqrt(Dimensions));
        return Normalised([.. centre.Select((c, i) => c + noise[i])]);
    }

    private float[] Gaussian(double sigma) =>
    [
        .. Enumerable.Range(0, Dimensions).Select(_ =>
            (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()))),
    ];

    private static double Dot(float[] x, float[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    private static float[] Normalised(float[] vector)
    {
        var norm = (float)Math.Sqrt(vector.Sum(x => (double)x * x));
        return [.. vector.Select(x => x / norm)];
    }
}
