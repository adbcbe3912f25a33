using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal.Search;

namespace Sluice.Postgres.Tests.Search;

/// <summary>What the PostgreSQL index does beyond the conformance suite: its words, dimensions, bulk writes and concurrency.</summary>
public sealed class PostgresSearchIndexTests(ClassDatabase database) : IClassFixture<ClassDatabase>
{
    private static readonly EmbedderInfo MiniLm = new("minilm", "1", 384);
    private static readonly EmbedderInfo ThreeDimensions = new("three-dimensional", "1", 3);
    private readonly string _tenant = $"tenant-{Guid.NewGuid():N}";
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keyword_MatchesOtherFormsOfAWord_AndIgnoresAccentsAndCase()
    {
        var index = await OpenAsync();
        var doc = Doc("forms");
        await UpsertAsync(index, doc, "The swallows were migrating south.", "Café crème on the terrace.", "ÜBER-GROSSE Straße");

        Assert.Equal([$"{doc}:0"], Ids(await KeywordAsync(index, "swallow migrates")));
        Assert.Equal([$"{doc}:1"], Ids(await KeywordAsync(index, "CAFE creme")));
        Assert.Equal([$"{doc}:2"], Ids(await KeywordAsync(index, "über grosse")));
    }

    [Theory]
    [InlineData("See example.com/docs for the manual.", "example")]
    [InlineData("Mail support@sluice.dev today.", "sluice")]
    [InlineData("Version 3.14 of the parser.", "14")]
    [InlineData("The state-of-the-art pipeline.", "art")]
    [InlineData("Read /etc/sluice/config.json first.", "config")]
    [InlineData("<b>Bold</b> claims.", "bold")]
    [InlineData("It costs +5 euros.", "5")]
    public async Task Keyword_SplitsWordsAsTheQueryDoes_EvenInHostsPathsAndNumbers(string text, string query)
    {
        var index = await OpenAsync();
        var doc = Doc("tokens");
        await UpsertAsync(index, doc, text, "An unrelated chunk.");

        // PostgreSQL's parser alone would keep "example.com" (or an address, a path, "3.14", "+5") as one token, which a
        // query for one of its words would miss; FTS5 and the query side split them into words.
        Assert.Equal([$"{doc}:0"], Ids(await KeywordAsync(index, query)));
        Assert.Equal([$"{doc}:0"], Ids(await KeywordAsync(index, text)));
    }

    [Fact]
    public async Task Query_OfTheWrongDimension_IsRejectedWithTheDimensionsHeld()
    {
        await using var empty = new ClassDatabase(database.Server);
        var index = new PostgresSearchIndex(await empty.GetAsync(), Options.Create(new PostgresSearchIndexOptions()));
        Assert.Empty(await index.SearchAsync(new SearchQuery(string.Empty, At(0, 3), 5, SearchMode.Vector, _tenant, Embedder: ThreeDimensions), Ct));
        await UpsertAsync(index, Doc("a"), "Puffins nest in burrows.");

        foreach (var mode in new[] { SearchMode.Vector, SearchMode.Hybrid })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("puffins", At(0, 3), 5, mode, _tenant, Embedder: ThreeDimensions), Ct));
            Assert.Contains("3 dimensions", error.Message, StringComparison.Ordinal);
            Assert.Contains("384", error.Message, StringComparison.Ordinal);
        }

        Assert.Single(await KeywordAsync(index, "puffins"));
    }

    [Fact]
    public async Task MixedEmbedders_EachDimensionGetsItsHnswIndex_AndAQueryMeetsOnlyItsDimension()
    {
        var index = await OpenAsync();
        var small = new EmbedderInfo("tiny-model", "1", 8);
        var large = Doc("large");
        var tiny = Doc("small");
        await UpsertAsync(index, large, "Terns dive for fish.");
        await index.UpsertAsync(_tenant, tiny, small, [new IndexedChunk(Chunk(tiny, 0, "Terns dive for fish."), At(0, 8))], Ct);

        Assert.Equal([$"{large}:0"], Ids(await index.SearchAsync(new SearchQuery(string.Empty, At(0), 5, SearchMode.Vector, _tenant, Embedder: MiniLm), Ct)));
        Assert.Equal([$"{tiny}:0"], Ids(await index.SearchAsync(new SearchQuery(string.Empty, At(0, 8), 5, SearchMode.Vector, _tenant, Embedder: small), Ct)));
        Assert.Equal(2, (await KeywordAsync(index, "terns")).Count);

        await using var connection = await (await database.GetAsync()).OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indisvalid AND c.relname LIKE 'search_chunks_hnsw_%'",
            connection);
        Assert.Equal([VectorIndexes.IndexName(384), VectorIndexes.IndexName(8)], (string[])(await command.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task AnInvalidHnswIndex_LeftByABuildThatDied_IsBuiltAgain()
    {
        await using var own = new ClassDatabase(database.Server);
        var db = await own.GetAsync();
        await UpsertAsync(new PostgresSearchIndex(db, Options.Create(new PostgresSearchIndexOptions())), Doc("a"), "Kittiwakes nest on cliffs.");
        await using (var connection = await db.OpenAsync(Ct))
        {
            // What a CREATE INDEX CONCURRENTLY that failed halfway leaves behind.
            await using var invalidate = new NpgsqlCommand(
                $"UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'sluice.{VectorIndexes.IndexName(384)}'::regclass", connection);
            Assert.Equal(1, await invalidate.ExecuteNonQueryAsync(Ct));
        }

        // Another process (a fresh index, which has not seen the dimension) upserts a vector of that dimension.
        await UpsertAsync(new PostgresSearchIndex(db, Options.Create(new PostgresSearchIndexOptions())), Doc("b"), "Guillemots too.");

        await using (var connection = await db.OpenAsync(Ct))
        {
            await using var valid = new NpgsqlCommand($"SELECT indisvalid FROM pg_index WHERE indexrelid = 'sluice.{VectorIndexes.IndexName(384)}'::regclass", connection);
            Assert.True((bool)(await valid.ExecuteScalarAsync(Ct))!);
        }
    }

    [Fact]
    public async Task ADocumentWithManyChunks_IsWrittenInBulk_AndReplacedByFew()
    {
        var index = await OpenAsync();
        var doc = Doc("long");
        var many = Enumerable.Range(0, 300).Select(i => new IndexedChunk(Chunk(doc, i, $"paragraph {i} about herons", page: i % 3 == 0 ? null : i), At(i * 0.3))).ToList();

        await index.UpsertAsync(_tenant, doc, MiniLm, many, Ct);

        Assert.Equal(300, await index.CountAsync(doc, Ct));
        var nearest = await index.SearchAsync(new SearchQuery(string.Empty, At(0), 3, SearchMode.Vector, _tenant, Embedder: MiniLm), Ct);
        Assert.Equal(new SearchHit(doc, $"{doc}:0", 0, "paragraph 0 about herons", nearest[0].Score, 0, 24, null), nearest[0]);
        Assert.Equal([$"{doc}:0", $"{doc}:1", $"{doc}:2"], Ids(nearest));
        Assert.Equal(50, (await index.SearchAsync(new SearchQuery("herons", null, 50, SearchMode.Keyword, _tenant), Ct)).Count);

        await UpsertAsync(index, doc, "now a short note on egrets");
        Assert.Equal(1, await index.CountAsync(doc, Ct));
        Assert.Empty(await KeywordAsync(index, "herons"));
    }

    [Fact]
    public async Task ConcurrentUpsertsOfOneDocument_LeaveExactlyOneVersion()
    {
        var doc = Doc("contended");
        var indexes = new List<PostgresSearchIndex>();
        for (var i = 0; i < 4; i++)
        {
            indexes.Add(await OpenAsync());
        }

        // Version v has a different number of chunks (some above the bulk-write threshold), each naming its version.
        var sizes = Enumerable.Range(0, 10).Select(v => v % 2 == 0 ? v + 1 : 40 + v).ToArray();
        using var start = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, sizes.Length).Select(v => Task.Run(
            async () =>
            {
                await start.WaitAsync(Ct);
                var chunks = Enumerable.Range(0, sizes[v]).Select(i => new IndexedChunk(Chunk(doc, i, $"version{v} chunk", id: $"{doc}:{i}"), At(i))).ToList();
                await indexes[v % indexes.Count].UpsertAsync(_tenant, doc, MiniLm, chunks, Ct);
            },
            Ct)).ToArray();
        start.Release(sizes.Length);
        await Task.WhenAll(writers);

        var hits = await indexes[0].SearchAsync(new SearchQuery("chunk", null, 100, SearchMode.Keyword, _tenant), Ct);
        var version = Assert.Single(hits.Select(h => h.Text).Distinct());
        var size = sizes[int.Parse(version["version".Length..version.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)];
        Assert.Equal(size, hits.Count);
        Assert.Equal(size, await indexes[1].CountAsync(doc, Ct));
    }

    [Fact]
    public async Task AChunkIdHeldByAnotherDocument_IsRejected_AndWritesNothing()
    {
        var index = await OpenAsync();
        var first = Doc("first");
        var second = Doc("second");
        await UpsertAsync(index, first, "Gannets plunge.");
        await UpsertAsync(index, second, "Cormorants dry their wings.");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync(
            _tenant, second, MiniLm, [new IndexedChunk(Chunk(second, 0, "stolen id", id: $"{first}:0"), At(0))], Ct));

        Assert.Contains("unique across documents", error.Message, StringComparison.Ordinal);
        Assert.Equal([$"{second}:0"], Ids(await KeywordAsync(index, "cormorants")));
        Assert.Equal([$"{first}:0"], Ids(await KeywordAsync(index, "gannets")));
    }

    private async Task<PostgresSearchIndex> OpenAsync() =>
        new(await database.GetAsync(), Options.Create(new PostgresSearchIndexOptions()));

    private string Doc(string name) => $"doc-{_prefix}-{name}";

    private async Task UpsertAsync(PostgresSearchIndex index, string doc, params string[] texts) =>
        await index.UpsertAsync(_tenant, doc, MiniLm, [.. texts.Select((t, i) => new IndexedChunk(Chunk(doc, i, t), At(i * 10)))], Ct);

    private Task<IReadOnlyList<SearchHit>> KeywordAsync(PostgresSearchIndex index, string text) =>
        index.SearchAsync(new SearchQuery(text, null, 10, SearchMode.Keyword, _tenant), Ct);

    private static Chunk Chunk(string doc, int index, string text, string? id = null, int? page = null) =>
        new(id ?? $"{doc}:{index}", doc, index, text, index * 100, (index * 100) + text.Length, page, text.Length / 4);

    private static float[] At(double degrees, int dimensions = 384)
    {
        var vector = new float[dimensions];
        vector[0] = (float)Math.Cos(degrees * Math.PI / 180);
        vector[1] = (float)Math.Sin(degrees * Math.PI / 180);
        return vector;
    }

    private static List<string> Ids(IEnumerable<SearchHit> hits) => [.. hits.Select(h => h.ChunkId)];
}
