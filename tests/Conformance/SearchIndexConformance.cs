using Sluice.Core.Ports;

namespace Sluice.Conformance;

public abstract partial class SearchIndexConformance
{
    [Fact]
    public async Task Upsert_ThenSearch_FindsTheChunk_InEveryMode_WithItsPosition()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        var chunk = Chunk(doc, 3, "The pelican migrates along the estuary every spring.", page: 2);
        await UpsertAsync(index, doc, Indexed(chunk, 0));

        foreach (var hits in await AllModesAsync(index, "pelican"))
        {
            var hit = Assert.Single(hits);
            Assert.Equal(new SearchHit(doc, chunk.Id, 3, chunk.Text, hit.Score, chunk.Start, chunk.End, 2), hit);
            Assert.True(hit.Score > 0, $"score {hit.Score} should be positive");
        }
    }

    [Fact]
    public async Task Upsert_SameDocumentTwice_WithTheSameChunks_NeverDuplicates()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        IndexedChunk[] chunks = [Indexed(Chunk(doc, 0, "walrus tusks ivory"), 0), Indexed(Chunk(doc, 1, "walrus colonies beaches"), 20)];

        await UpsertAsync(index, doc, chunks);
        await UpsertAsync(index, doc, chunks);

        Assert.Equal(2, await index.CountAsync(doc, Ct));
        foreach (var hits in await AllModesAsync(index, "walrus"))
        {
            Assert.Equal(chunks.Select(c => c.Chunk.Id).Order(StringComparer.Ordinal), Ids(hits).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Upsert_SameDocumentWithNewChunks_ReplacesTheOldChunks()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        await UpsertAsync(index, doc, Indexed(Chunk(doc, 0, "apricot orchards"), 0), Indexed(Chunk(doc, 1, "apricot jam"), 10), Indexed(Chunk(doc, 2, "apricot tart"), 20));
        var replacement = Chunk(doc, 0, "blueberry muffins");
        await UpsertAsync(index, doc, Indexed(replacement, 5));

        Assert.Equal(1, await index.CountAsync(doc, Ct));
        Assert.Empty(await KeywordAsync(index, "apricot"));
        Assert.Equal([replacement.Id], Ids(await KeywordAsync(index, "blueberry")));
        Assert.Equal([replacement.Id], Ids(await VectorAsync(index, 0)));
        Assert.Equal([replacement.Id], Ids(await HybridAsync(index, "apricot blueberry", 0)));
    }

    [Fact]
    public async Task Upsert_ReEmbedded_NewVectorsReplaceTheOld()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        var first = Chunk(doc, 0, "first chunk");
        var second = Chunk(doc, 1, "second chunk");
        await UpsertAsync(index, doc, Indexed(first, 0), Indexed(second, 90));
        Assert.Equal([first.Id, second.Id], Ids(await VectorAsync(index, 0)));

        await UpsertAsync(index, doc, Indexed(first, 90), Indexed(second, 0));

        var hits = await VectorAsync(index, 0);
        Assert.Equal([second.Id, first.Id], Ids(hits));
        Assert.Equal(1.0, hits[0].Score, 1e-4);
        Assert.Equal(0.0, hits[1].Score, 1e-4);
        Assert.Equal(2, await index.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task Delete_RemovesTheDocumentFromVectorAndKeywordResults_AndIsIdempotent()
    {
        var index = await OpenIndexAsync();
        var doomed = Doc("doomed");
        var kept = Doc("kept");
        await UpsertAsync(index, doomed, Indexed(Chunk(doomed, 0, "narwhal tusk"), 0), Indexed(Chunk(doomed, 1, "narwhal pod"), 10));
        var survivor = Chunk(kept, 0, "narwhal song");
        await UpsertAsync(index, kept, Indexed(survivor, 45));

        await index.DeleteAsync(doomed, Ct);

        Assert.Equal(0, await index.CountAsync(doomed, Ct));
        Assert.Equal(1, await index.CountAsync(kept, Ct));
        foreach (var hits in await AllModesAsync(index, "narwhal tusk pod"))
        {
            Assert.Equal([survivor.Id], Ids(hits));
        }

        await index.DeleteAsync(doomed, Ct);
        await index.DeleteAsync(Doc("never-indexed"), Ct);
        Assert.Equal(0, await index.CountAsync(doomed, Ct));
        Assert.Equal([survivor.Id], Ids(await VectorAsync(index, 0)));
    }

    [Fact]
    public async Task Search_WithDocumentIds_OnlyReturnsChunksOfThoseDocuments()
    {
        var index = await OpenIndexAsync();
        var ids = new[] { Doc("one"), Doc("two"), Doc("three") };
        for (var i = 0; i < ids.Length; i++)
        {
            await UpsertAsync(index, ids[i], Indexed(Chunk(ids[i], 0, $"lighthouse keeper log {i}"), i * 10));
        }

        string[] wanted = [ids[0], ids[2], Doc("unknown")];
        foreach (var hits in await AllModesAsync(index, "lighthouse", documents: wanted))
        {
            Assert.Equal([ids[0], ids[2]], hits.Select(h => h.DocumentId).Order(StringComparer.Ordinal).ToArray());
        }

        foreach (var hits in await AllModesAsync(index, "lighthouse", documents: []))
        {
            Assert.Empty(hits);
        }
    }

    [Fact]
    public async Task Search_OnlyReturnsChunksOfTheQueriedTenant()
    {
        var index = await OpenIndexAsync();
        var other = $"{Tenant}-other";
        var mine = Doc("mine");
        var theirs = Doc("theirs");
        var myChunk = Chunk(mine, 0, "glacier retreat measurements");
        var theirChunk = Chunk(theirs, 0, "glacier retreat measurements");
        await UpsertAsync(index, Tenant, mine, Indexed(myChunk, 10));
        await UpsertAsync(index, other, theirs, Indexed(theirChunk, 0));

        foreach (var hits in await AllModesAsync(index, "glacier"))
        {
            Assert.Equal([myChunk.Id], Ids(hits));
        }

        foreach (var hits in await AllModesAsync(index, "glacier", tenant: other))
        {
            Assert.Equal([theirChunk.Id], Ids(hits));
        }

        foreach (var hits in await AllModesAsync(index, "glacier", tenant: $"{Tenant}-nobody"))
        {
            Assert.Empty(hits);
        }
    }

    [Fact]
    public async Task Count_IsZeroWhenAbsent_ThenTheNumberOfChunks_ThenZeroAfterDelete()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        Assert.Equal(0, await index.CountAsync(doc, Ct));

        await UpsertAsync(index, doc, [.. Enumerable.Range(0, 7).Select(i => Indexed(Chunk(doc, i, $"paragraph {i}"), i))]);
        Assert.Equal(7, await index.CountAsync(doc, Ct));

        await UpsertAsync(index, doc, []);
        Assert.Equal(0, await index.CountAsync(doc, Ct));
        Assert.Empty(await VectorAsync(index, 0));

        await UpsertAsync(index, doc, Indexed(Chunk(doc, 0, "back again"), 0));
        Assert.Equal(1, await index.CountAsync(doc, Ct));
        await index.DeleteAsync(doc, Ct);
        Assert.Equal(0, await index.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task Search_WithoutAQueryVector_OrItsEmbedder_IsRejected_UnlessKeyword()
    {
        var index = await OpenIndexAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("x", null, 5, SearchMode.Vector, Tenant), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("x", null, 5, SearchMode.Hybrid, Tenant), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("x", At(0), 5, SearchMode.Vector, Tenant), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => index.SearchAsync(new SearchQuery("x", At(0), 5, SearchMode.Hybrid, Tenant), Ct));
        Assert.Empty(await KeywordAsync(index, "x"));
    }

    [Fact]
    public async Task VectorsOfAnotherVersionOfTheModel_AreNeverRankedAgainstTheQuery_EvenOfTheSameDimension()
    {
        // The same model at another precision (or an older release) makes vectors of the same length in a slightly
        // different space: a cosine across the two is meaningless, so only the query's own embedder's vectors compete.
        var index = await OpenIndexAsync();
        var other = Embedder with { Version = Embedder.Version + "-int8" };
        var mine = Doc("mine");
        var theirs = Doc("theirs");
        await UpsertAsync(index, mine, Indexed(Chunk(mine, 0, "Gannets plunge into the sea."), 40));
        await index.UpsertAsync(Tenant, theirs, other, [Indexed(Chunk(theirs, 0, "Gannets nest in colonies."), 0)], Ct);

        Assert.Equal([mine], (await VectorAsync(index, 0)).Select(h => h.DocumentId));
        var theirsByOwnEmbedder = await index.SearchAsync(new SearchQuery(string.Empty, At(0), 10, SearchMode.Vector, Tenant, null, other), Ct);
        Assert.Equal([theirs], theirsByOwnEmbedder.Select(h => h.DocumentId));

        // Hybrid still finds the other document by its words, on the keyword side alone: below the one found both ways.
        var hybrid = await HybridAsync(index, "gannets", 0);
        Assert.Equal([mine, theirs], hybrid.Select(h => h.DocumentId));
    }
}
