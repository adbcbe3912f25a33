using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>One batch of a document at a time (<see cref="ISearchIndex.UpsertRangeAsync"/>): what a document fanned out in batches relies on.</summary>
public abstract partial class SearchIndexConformance
{
    [Fact]
    public async Task UpsertRange_ReplacesExactlyTheBatchsRows_AndLeavesTheOtherBatchesAsTheyAre()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("batched");
        IndexedChunk[] first = [Indexed(Chunk(doc, 0, "heron wades"), 0), Indexed(Chunk(doc, 1, "heron waits"), 10)];
        IndexedChunk[] second = [Indexed(Chunk(doc, 2, "egret wades"), 20), Indexed(Chunk(doc, 3, "egret waits"), 30)];

        await index.UpsertRangeAsync(Tenant, doc, Embedder, 2, 4, second, Ct);
        await index.UpsertRangeAsync(Tenant, doc, Embedder, 0, 2, first, Ct);

        Assert.Equal(4, await index.CountAsync(doc, Ct));
        Assert.Equal(2, (await KeywordAsync(index, "heron")).Count);
        Assert.Equal(2, (await KeywordAsync(index, "egret")).Count);
        Assert.Equal(4, (await VectorAsync(index, 0)).Count);

        // The same batch again (a redelivery), then with one chunk less: only that batch's rows change, never duplicated.
        await index.UpsertRangeAsync(Tenant, doc, Embedder, 0, 2, first, Ct);
        Assert.Equal(4, await index.CountAsync(doc, Ct));
        await index.UpsertRangeAsync(Tenant, doc, Embedder, 2, 4, [second[0]], Ct);

        Assert.Equal(3, await index.CountAsync(doc, Ct));
        Assert.Equal([second[0].Chunk.Id], Ids(await KeywordAsync(index, "egret")));
        Assert.Equal(2, (await KeywordAsync(index, "heron")).Count);
        Assert.Equal(3, (await VectorAsync(index, 0)).Count);
    }

    [Fact]
    public async Task UpsertRange_RefusesAChunkOutsideItsRange_AndWritesNothing()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("outside");

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => index.UpsertRangeAsync(Tenant, doc, Embedder, 0, 2, [Indexed(Chunk(doc, 0, "inside"), 0), Indexed(Chunk(doc, 2, "outside"), 0)], Ct));

        Assert.Contains("outside the batch's range [0, 2)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await index.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task Delete_AfterBatches_RemovesEveryBatch()
    {
        var index = await OpenIndexAsync();
        var doc = Doc("batches-deleted");
        await index.UpsertRangeAsync(Tenant, doc, Embedder, 0, 1, [Indexed(Chunk(doc, 0, "osprey dives"), 0)], Ct);
        await index.UpsertRangeAsync(Tenant, doc, Embedder, 1, 2, [Indexed(Chunk(doc, 1, "osprey fishes"), 0)], Ct);
        Assert.Equal(2, (await VectorAsync(index, 0)).Count);

        await index.DeleteAsync(doc, Ct);

        Assert.Equal(0, await index.CountAsync(doc, Ct));
        Assert.Empty(await KeywordAsync(index, "osprey"));
        Assert.Empty(await VectorAsync(index, 0));
    }
}
