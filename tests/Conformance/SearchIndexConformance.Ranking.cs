namespace Sluice.Conformance;

public abstract partial class SearchIndexConformance
{
    [Fact]
    public async Task Vector_RanksByCosineSimilarity_HighestFirst()
    {
        var index = await OpenIndexAsync();
        double[] angles = [90, 10, 180, 0, 60, 135, 30];
        var doc = Doc("angles");
        var chunks = angles.Select((a, i) => Indexed(Chunk(doc, i, $"at {a} degrees"), a)).ToArray();
        await UpsertAsync(index, doc, chunks);

        var hits = await VectorAsync(index, 0, k: 7);

        var expected = angles.Select((a, i) => (Angle: a, Id: chunks[i].Chunk.Id)).OrderBy(x => x.Angle).ToList();
        Assert.Equal(expected.Select(x => x.Id), Ids(hits));
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Equal(Math.Cos(expected[i].Angle * Math.PI / 180), hits[i].Score, 1e-4);
        }
    }

    [Fact]
    public async Task Keyword_FindsExactTerms_AndRanksChunksWithMoreOfThemHigher()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        var both = Chunk(doc, 0, "The axolotl regrows its gills in a freshwater lake.");
        var one = Chunk(doc, 1, "The axolotl lives in a muddy freshwater canal system.");
        var none = Chunk(doc, 2, "The salamander regrows its tail in a cold mountain stream.");
        await UpsertAsync(index, doc, Indexed(both, 0), Indexed(one, 10), Indexed(none, 20));

        Assert.Equal(new[] { both.Id, one.Id }.Order(StringComparer.Ordinal), Ids(await KeywordAsync(index, "axolotl")).Order(StringComparer.Ordinal));
        Assert.Equal(both.Id, Assert.Single(await KeywordAsync(index, "gills")).ChunkId);
        Assert.Empty(await KeywordAsync(index, "platypus"));

        // Any word matches; a chunk with more of the words ranks higher.
        var hits = await KeywordAsync(index, "axolotl gills");
        Assert.Equal([both.Id, one.Id], Ids(hits));
        Assert.True(hits[0].Score > hits[1].Score, $"scores {hits[0].Score} and {hits[1].Score} should decrease");
    }

    [Fact]
    public async Task Keyword_ARareWordOutweighsACommonOne()
    {
        // Ten chunks share a common word; one has a rare word instead. Each chunk matches one query word once, in a text
        // of the same length, so only the words' rarity can put the rare match first (its id sorts last, so a tie
        // broken by id would put it last).
        var index = await OpenIndexAsync();
        var doc = Doc("rarity");
        var common = Enumerable.Range(0, 10)
            .Select(i => Indexed(Chunk(doc, i, $"The protein folds quickly in sample number {i}.", id: $"{doc}:a{i}"), i * 10))
            .ToArray();
        var rare = Indexed(Chunk(doc, 10, "The zebrafish swims quickly in sample number ten.", id: $"{doc}:z"), 120);
        await UpsertAsync(index, doc, [.. common, rare]);

        var hits = await KeywordAsync(index, "protein zebrafish", k: 20);

        Assert.Equal(11, hits.Count);
        Assert.Equal(rare.Chunk.Id, hits[0].ChunkId);
        Assert.True(hits[0].Score > hits[1].Score, $"the rare match ({hits[0].Score}) should score above a common one ({hits[1].Score})");
    }

    [Theory]
    [InlineData("\"quokka")]
    [InlineData("quokka\"")]
    [InlineData("\"quokka\" \"")]
    [InlineData("quokka*")]
    [InlineData("*quokka")]
    [InlineData("-quokka")]
    [InlineData("quokka NOT mainland")]
    [InlineData("quokka -mainland")]
    [InlineData("coast:quokka")]
    [InlineData("{coast}: quokka")]
    [InlineData("(quokka")]
    [InlineData("quokka)")]
    [InlineData("NEAR(quokka coast, 2)")]
    [InlineData("quokka AND coast")]
    [InlineData("quokka OR coast")]
    [InlineData("^quokka + coast")]
    [InlineData("quokka's coast?!")]
    public async Task Keyword_TreatsOperatorsAndPunctuationAsText(string query)
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        var quokka = Chunk(doc, 0, "The quokka lives near the coast and not on the mainland or in a city.");
        await UpsertAsync(index, doc, Indexed(quokka, 0), Indexed(Chunk(doc, 1, "Kangaroos graze inland."), 10));

        Assert.Equal([quokka.Id], Ids(await KeywordAsync(index, query)));
        Assert.Equal(quokka.Id, (await HybridAsync(index, query, 90))[0].ChunkId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"")]
    [InlineData("\"\"")]
    [InlineData("*")]
    [InlineData("-")]
    [InlineData(":")]
    [InlineData("()")]
    [InlineData("( ) \" * - : ^ +")]
    public async Task Keyword_QueryWithoutWords_FindsNothing_AndHybridFallsBackToVectors(string query)
    {
        var index = await OpenIndexAsync();
        var doc = Doc("a");
        var chunk = Chunk(doc, 0, "Quotes \" stars * dashes - colons : and (parentheses).");
        await UpsertAsync(index, doc, Indexed(chunk, 0));

        Assert.Empty(await KeywordAsync(index, query));
        Assert.Equal([chunk.Id], Ids(await HybridAsync(index, query, 0)));
    }

    [Fact]
    public async Task Hybrid_FusesTheRankingsByReciprocalRank()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("fusion");
        // Vector ranking for a query at 0°: A (0°), B (10°), then 60 fillers (20°..79°), then C (85°).
        // Keyword ranking for "zebra": C (three times), B (twice). So A and C are each first in one ranking
        // only (C lies beyond the vector depth of 50), while B is second in both.
        var a = Chunk(doc, 0, "A plain chunk about grassland ecology.", id: $"{doc}:a");
        var b = Chunk(doc, 1, "A zebra herd: zebra foals at dawn.", id: $"{doc}:b");
        var c = Chunk(doc, 2, "Zebra stripes; zebra herds; zebra calls.", id: $"{doc}:c");
        var fillers = Enumerable.Range(0, 60).Select(i => Indexed(Chunk(doc, 3 + i, $"filler paragraph number {i}"), 20 + i));
        await UpsertAsync(index, doc, [Indexed(a, 0), Indexed(b, 10), Indexed(c, 85), .. fillers]);

        const int k = 10;
        var depth = Math.Max(50, 4 * k);
        var vector = Ids(await VectorAsync(index, 0, depth));
        var keyword = Ids(await KeywordAsync(index, "zebra", depth));
        Assert.Equal([a.Id, b.Id], vector.Take(2));
        Assert.DoesNotContain(c.Id, vector);
        Assert.Equal([c.Id, b.Id], keyword);

        var hybrid = await HybridAsync(index, "zebra", 0, k);

        var expected = vector.Select((id, rank) => (id, score: 1.0 / (60 + rank + 1)))
            .Concat(keyword.Select((id, rank) => (id, score: 1.0 / (60 + rank + 1))))
            .GroupBy(x => x.id, x => x.score)
            .Select(g => (Id: g.Key, Score: g.Sum()))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(k)
            .ToList();
        Assert.Equal(expected.Select(x => x.Id), Ids(hybrid));
        Assert.Equal(expected.Select(x => x.Score), hybrid.Select(h => h.Score), (x, y) => Math.Abs(x - y) < 1e-12);
        Assert.Equal([b.Id, a.Id, c.Id], Ids(hybrid).Take(3));
        Assert.Equal(2.0 / 62, hybrid[0].Score, 1e-12);
        Assert.Equal(1.0 / 61, hybrid[1].Score, 1e-12);
        Assert.Equal(1.0 / 61, hybrid[2].Score, 1e-12);
    }

    [Fact]
    public async Task K_BoundsTheNumberOfResults_InEveryMode()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("many");
        await UpsertAsync(index, doc, [.. Enumerable.Range(0, 20).Select(i => Indexed(Chunk(doc, i, $"common word and item {i}"), i * 4))]);

        foreach (var hits in await AllModesAsync(index, "common", k: 5))
        {
            Assert.Equal(5, hits.Count);
            Assert.Equal(5, hits.Select(h => h.ChunkId).Distinct().Count());
            Assert.Equal(hits.Select(h => h.Score).OrderDescending(), hits.Select(h => h.Score));
        }

        Assert.Equal(20, (await VectorAsync(index, 0, k: 50)).Count);
        Assert.Single(await HybridAsync(index, "common", 0, k: 1));
    }
}
