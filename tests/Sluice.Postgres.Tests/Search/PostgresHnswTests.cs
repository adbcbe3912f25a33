using Microsoft.Extensions.Options;
using Npgsql;
using Pgvector;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal.Search;

namespace Sluice.Postgres.Tests.Search;

/// <summary>The HNSW side of the PostgreSQL index, on 5,000 clustered vectors: the index is used, finds what an exact scan finds, and filters still yield k.</summary>
public sealed class PostgresHnswTests(ClusteredVectors data) : IClassFixture<ClusteredVectors>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VectorSearch_UsesTheDimensionsHnswIndex()
    {
        var database = await data.GetAsync();
        var plan = await ExplainAsync(database, ClusteredVectors.Large, null);

        Assert.Contains($"Index Scan using {VectorIndexes.IndexName(ClusteredVectors.Dimensions)}", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecallAt10_OfHnsw_AgainstExactSearch_IsAtLeast95Percent()
    {
        // At pgvector's default candidate list size, below Sluice's default.
        var index = new PostgresSearchIndex(await data.GetAsync(), Options.Create(new PostgresSearchIndexOptions { EfSearch = 40 }));
        const int Queries = 100;
        var found = 0;
        for (var q = 0; q < Queries; q++)
        {
            var query = data.Query();
            var hits = await index.SearchAsync(new SearchQuery(string.Empty, query, 10, SearchMode.Vector, ClusteredVectors.Large, Embedder: ClusteredVectors.Embedder), Ct);
            var exact = data.Exact(query, 10, v => v.Tenant == ClusteredVectors.Large);
            found += hits.Count(h => exact.Contains(h.ChunkId));
        }

        var recall = found / (Queries * 10.0);
        TestContext.Current.TestOutputHelper?.WriteLine($"HNSW recall@10 over {Queries} queries: {recall:F3}");
        Assert.True(recall >= 0.95, $"recall@10 is {recall:F3}");
    }

    /// <summary>
    /// With sorting priced out (<c>enable_sort=off</c>), the planner walks the HNSW graph even for a tenant or document
    /// holding 1% of the vectors, the case where the index is the planner's choice on a large table: without iterative
    /// scans, the 100 candidates the graph yields hold about one of that tenant's chunks.
    /// </summary>
    [Theory]
    [InlineData(ClusteredVectors.Small, false)]
    [InlineData(ClusteredVectors.Large, true)]
    public async Task FilteredSearch_ThroughHnsw_StillReturnsK(string tenant, bool byDocument)
    {
        await data.GetAsync();
        var options = new PostgresOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(data.Options.ConnectionString) { Options = "-c enable_sort=off" }.ConnectionString,
            PipelineStages = data.Options.PipelineStages,
        };
        await using var database = new PostgresDatabase(Options.Create(options));
        var index = new PostgresSearchIndex(database, Options.Create(new PostgresSearchIndexOptions()));
        string[]? documents = byDocument ? [ClusteredVectors.DocumentId(37)] : null;

        Assert.Contains($"Index Scan using {VectorIndexes.IndexName(ClusteredVectors.Dimensions)}", await ExplainAsync(database, tenant, documents), StringComparison.Ordinal);
        const int Queries = 5;
        var found = 0;
        for (var q = 0; q < Queries; q++)
        {
            var query = data.Query();
            var hits = await index.SearchAsync(new SearchQuery(string.Empty, query, 10, SearchMode.Vector, tenant, documents, ClusteredVectors.Embedder), Ct);

            Assert.Equal(10, hits.Count);
            Assert.All(hits, h => Assert.True(documents is null ? h.DocumentId == ClusteredVectors.DocumentId(0) : documents.Contains(h.DocumentId)));
            var exact = data.Exact(query, 10, v => v.Tenant == tenant && (documents is null || documents.Contains(v.DocumentId)));
            found += hits.Count(h => exact.Contains(h.ChunkId));
        }

        // Iterative scans in relaxed order are approximate too: most of the exact neighbours, never fewer than k.
        var recall = found / (Queries * 10.0);
        TestContext.Current.TestOutputHelper?.WriteLine($"Filtered HNSW recall@10 ({tenant}, by document: {byDocument}): {recall:F3}");
        Assert.True(recall >= 0.7, $"recall@10 is {recall:F3}");
    }

    private async Task<string> ExplainAsync(PostgresDatabase database, string tenant, string[]? documents)
    {
        await using var connection = await database.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("EXPLAIN " + SearchSql.Nearest(ClusteredVectors.Dimensions, documents is not null, idsOnly: false), connection);
        command.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Query()) });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = 10 });
        if (documents is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = documents });
        }

        command.Parameters.Add(new NpgsqlParameter { Value = ClusteredVectors.Embedder.ToString() });
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
