using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Moving a document's vectors to another embedder in place (<see cref="IVectorMigration"/>).</summary>
public abstract partial class SearchIndexConformance
{
    private EmbedderInfo Int8 => Embedder with { Version = Embedder.Version + "-int8" };

    [Fact]
    public async Task ListForeign_FindsTheDocumentsOfOtherEmbedders_InIdOrder_PageByPage()
    {
        var index = await OpenIndexAsync();
        var migration = (IVectorMigration)index;
        var mine = Doc("mine");
        await UpsertAsync(index, mine, Indexed(Chunk(mine, 0, "Herons wade."), 0));
        var others = new[] { Doc("other-b"), Doc("other-a"), Doc("other-c") };
        foreach (var other in others)
        {
            await index.UpsertAsync(Tenant, other, Int8, [Indexed(Chunk(other, 0, "Egrets wade."), 0), Indexed(Chunk(other, 1, "Egrets fly."), 10)], Ct);
        }

        // The backend may be shared with other tests: page through everything, keep this test's documents.
        var found = new List<ForeignDocument>();
        string? after = null;
        while (await migration.ListForeignAsync(Embedder.ToString(), after, 2, Ct) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 2);
            found.AddRange(page);
            after = page[^1].DocumentId;
        }

        var mineOnly = await AllForeignAsync(migration, Int8.ToString());

        var expected = others.Order(StringComparer.Ordinal).Select(d => new ForeignDocument(Tenant, d, Int8.ToString()));
        Assert.Equal(expected, found.Where(Own));
        Assert.Equal([new ForeignDocument(Tenant, mine, Embedder.ToString())], mineOnly.Where(Own));
        Assert.Equal(["Egrets wade.", "Egrets fly."], (await migration.ReadChunksAsync(others[0], Ct)).Select(c => c.Text));
    }

    [Fact]
    public async Task ReplaceVectors_MovesTheDocumentToTheNewEmbedder_WhereItsVectorsAreSearchedAgain()
    {
        var index = await OpenIndexAsync();
        var migration = (IVectorMigration)index;
        var doc = Doc("old");
        var chunk = Chunk(doc, 0, "Ospreys catch fish.");
        await index.UpsertAsync(Tenant, doc, Int8, [Indexed(chunk, 80)], Ct);
        Assert.Empty(await VectorAsync(index, 0));

        var chunks = await migration.ReadChunksAsync(doc, Ct);
        Assert.True(await migration.ReplaceVectorsAsync(doc, Int8.ToString(), Embedder, [new ChunkVector(chunks[0].ChunkId, At(0))], Ct));

        var hit = Assert.Single(await VectorAsync(index, 0));
        Assert.Equal(chunk.Id, hit.ChunkId);
        Assert.Equal(1.0, hit.Score, 3);
        Assert.DoesNotContain(await AllForeignAsync(migration, Embedder.ToString()), Own);
        Assert.Equal(1, await index.CountAsync(doc, Ct));
        Assert.Equal([chunk.Id], Ids(await KeywordAsync(index, "ospreys")));

        // A second migrator that read the same old state loses: the document is no longer what it read.
        Assert.False(await migration.ReplaceVectorsAsync(doc, Int8.ToString(), Embedder, [new ChunkVector(chunks[0].ChunkId, At(90))], Ct));
        Assert.Equal(1.0, Assert.Single(await VectorAsync(index, 0)).Score, 3);
    }

    [Fact]
    public async Task ReplaceVectors_ChangesNothing_WhenTheDocumentWasReindexedOrDeletedMeanwhile()
    {
        var index = await OpenIndexAsync();
        var migration = (IVectorMigration)index;
        var doc = Doc("moving");
        await index.UpsertAsync(Tenant, doc, Int8, [Indexed(Chunk(doc, 0, "Kites hover."), 0)], Ct);
        var read = await migration.ReadChunksAsync(doc, Ct);

        // The pipeline indexes a new revision (new text, the current embedder) before the migration writes.
        var revised = Chunk(doc, 0, "Kites hover over the dunes.");
        await UpsertAsync(index, doc, Indexed(revised, 30));
        Assert.False(await migration.ReplaceVectorsAsync(doc, Int8.ToString(), Embedder, [new ChunkVector(read[0].ChunkId, At(0))], Ct));
        Assert.Equal([revised.Id], Ids(await VectorAsync(index, 30)));

        // The same chunks, but not all of them given: refused too.
        var pair = Doc("pair");
        await index.UpsertAsync(Tenant, pair, Int8, [Indexed(Chunk(pair, 0, "one"), 0), Indexed(Chunk(pair, 1, "two"), 0)], Ct);
        var both = await migration.ReadChunksAsync(pair, Ct);
        Assert.False(await migration.ReplaceVectorsAsync(pair, Int8.ToString(), Embedder, [new ChunkVector(both[0].ChunkId, At(0))], Ct));

        // Deleted meanwhile: nothing comes back.
        await index.DeleteAsync(pair, Ct);
        Assert.False(await migration.ReplaceVectorsAsync(
            pair, Int8.ToString(), Embedder, [.. both.Select(c => new ChunkVector(c.ChunkId, At(0)))], Ct));
        Assert.Equal(0, await index.CountAsync(pair, Ct));
    }

    private bool Own(ForeignDocument document) => document.Tenant == Tenant;

    private static async Task<List<ForeignDocument>> AllForeignAsync(IVectorMigration migration, string embedder)
    {
        var found = new List<ForeignDocument>();
        string? after = null;
        while (await migration.ListForeignAsync(embedder, after, 100, Ct) is { Count: > 0 } page)
        {
            found.AddRange(page);
            after = page[^1].DocumentId;
        }

        return found;
    }
}
