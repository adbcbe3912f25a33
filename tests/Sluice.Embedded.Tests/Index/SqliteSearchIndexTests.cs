using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Index;
using static Sluice.Embedded.Tests.Index.IndexData;

namespace Sluice.Embedded.Tests.Index;

public sealed class SqliteSearchIndexTests : IDisposable
{
    private static readonly EmbedderInfo ThreeDimensions = new("three-dimensional", "1", 3);
    private readonly TempIndexFile _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task Query_OfTheWrongDimension_IsRejectedWithTheDimensionsHeld()
    {
        var index = _file.Open();
        Assert.Empty(await index.SearchAsync(new SearchQuery("", At(0, 3), 5, SearchMode.Vector, Tenant, Embedder: ThreeDimensions), Ct));
        await UpsertAsync(index, "doc", ("Puffins nest in burrows.", 0));

        foreach (var mode in new[] { SearchMode.Vector, SearchMode.Hybrid })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("puffins", At(0, 3), 5, mode, Tenant, Embedder: ThreeDimensions), Ct));
            Assert.Contains("3 dimensions", error.Message, StringComparison.Ordinal);
            Assert.Contains("384", error.Message, StringComparison.Ordinal);
        }

        Assert.Single(await SearchAsync(index, SearchMode.Keyword, "puffins"));
    }

    [Fact]
    public async Task MixedEmbedders_AQueryIsComparedOnlyWithVectorsOfItsDimension()
    {
        var index = _file.Open();
        var small = new EmbedderInfo("tiny-model", "1", 8);
        await UpsertAsync(index, "large", ("Terns dive for fish.", 0));
        await index.UpsertAsync(Tenant, "small", small, [new IndexedChunk(Chunk("small", 0, "Terns dive for fish."), At(0, 8))], Ct);

        Assert.Equal(["large:0:v"], Ids(await SearchAsync(index, SearchMode.Vector)));
        Assert.Equal(["small:0:v"], Ids(await index.SearchAsync(new SearchQuery("", At(0, 8), 5, SearchMode.Vector, Tenant, Embedder: small), Ct)));
        Assert.Equal(2, (await SearchAsync(index, SearchMode.Keyword, "terns")).Count);
    }

    [Fact]
    public async Task Upsert_WithInvalidChunks_IsRejected_AndWritesNothing()
    {
        var index = _file.Open();
        await UpsertAsync(index, "doc", ("Gannets plunge.", 0));
        IndexedChunk[][] invalid =
        [
            [new IndexedChunk(Chunk("doc", 0, "short vector"), At(0, 383))],
            [new IndexedChunk(Chunk("other", 0, "another document's chunk"), At(0))],
            [new IndexedChunk(Chunk("doc", 0, "twice"), At(0)), new IndexedChunk(Chunk("doc", 0, "twice"), At(0))],
        ];

        foreach (var chunks in invalid)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => index.UpsertAsync(Tenant, "doc", MiniLm, chunks, Ct));
        }

        Assert.Equal(["doc:0:v"], Ids(await SearchAsync(index, SearchMode.Keyword, "gannets")));
        Assert.Equal(1, await index.CountAsync("doc", Ct));
    }

    [Fact]
    public async Task Keyword_MatchesOtherFormsOfAWord()
    {
        var index = _file.Open();
        await UpsertAsync(index, "doc", ("The swallows were migrating south.", 0), ("Café crème on the terrace.", 10));

        Assert.Equal(["doc:0:v"], Ids(await SearchAsync(index, SearchMode.Keyword, "swallow migrates")));
        Assert.Equal(["doc:1:v"], Ids(await SearchAsync(index, SearchMode.Keyword, "CAFE creme")));
    }

    [Theory]
    [InlineData("hello world", "\"hello\" OR \"world\"")]
    [InlineData("  NEAR(a b) -c \"d\" e:f *g ^h  ", "\"NEAR\" OR \"b\" OR \"c\" OR \"d\" OR \"e\" OR \"f\" OR \"g\" OR \"h\"")]
    [InlineData("it's It's IT", "\"s\"")]
    [InlineData("how do I reset the password?", "\"reset\" OR \"password\"")]
    [InlineData("to be or not to be", "\"to\" OR \"be\" OR \"or\" OR \"not\"")]
    [InlineData("naïve café", "\"naïve\" OR \"café\"")]
    [InlineData("\" * - : ( )", null)]
    [InlineData("", null)]
    public void FtsQuery_QuotesEveryWord_DropsEverythingElse_AndFunctionWordsWhenOthersRemain(string text, string? expected) =>
        Assert.Equal(expected, FtsQuery.Build(text));

    [Fact]
    public async Task Search_KOutsideItsBounds_IsRejected()
    {
        var index = _file.Open();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SearchAsync(index, SearchMode.Vector, k: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SearchAsync(index, SearchMode.Vector, k: 1001));
    }
}
