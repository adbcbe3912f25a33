using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IChunkStore"/> must have, whatever the backend. A fixture derives from this class and says
/// how to open a store; every test uses its own document ids, so fixtures may share a backend.
/// </summary>
public abstract class ChunkStoreConformance : IAsyncDisposable
{
    private readonly OwnedResources _resources = new();
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..12];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask DisposeAsync()
    {
        await _resources.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens a store on this test's backend; called several times in one test, every instance sees the same data.</summary>
    protected abstract Task<IChunkStore> CreateStoreAsync(CancellationToken cancellationToken);

    [Fact]
    public async Task Replace_ThenList_ReturnsEveryFieldInIndexOrder()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("a");
        Chunk[] chunks = [Chunk(doc, 2, "third", page: 3), Chunk(doc, 0, "first", page: null), Chunk(doc, 1, "second", page: 1)];

        await store.ReplaceAsync(doc, chunks, Ct);

        Assert.Equal(chunks.OrderBy(c => c.Index), await store.ListAsync(doc, 0, 100, Ct));
        Assert.Equal(3, await store.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task Replace_SwapsTheWholeSet_AndAnEmptySetLeavesNone()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("a");
        await store.ReplaceAsync(doc, [.. Enumerable.Range(0, 5).Select(i => Chunk(doc, i, $"old {i}"))], Ct);
        Chunk[] replacement = [Chunk(doc, 0, "new 0"), Chunk(doc, 1, "new 1")];

        await store.ReplaceAsync(doc, replacement, Ct);
        Assert.Equal(replacement, await store.ListAsync(doc, 0, 100, Ct));
        Assert.Equal(2, await store.CountAsync(doc, Ct));

        await store.ReplaceAsync(doc, [], Ct);
        Assert.Empty(await store.ListAsync(doc, 0, 100, Ct));
        Assert.Equal(0, await store.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task Replace_WithTheSameChunksAgain_ChangesNothing()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("a");
        Chunk[] chunks = [.. Enumerable.Range(0, 4).Select(i => Chunk(doc, i, $"paragraph {i}"))];

        await store.ReplaceAsync(doc, chunks, Ct);
        await store.ReplaceAsync(doc, chunks, Ct);
        await (await OpenStoreAsync()).ReplaceAsync(doc, chunks, Ct);

        Assert.Equal(chunks, await store.ListAsync(doc, 0, 100, Ct));
        Assert.Equal(4, await store.CountAsync(doc, Ct));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(200)]
    public async Task Replace_ThatFailsHalfway_LeavesThePreviousChunks(int count)
    {
        var store = await OpenStoreAsync();
        var doc = Doc("a");
        Chunk[] previous = [Chunk(doc, 0, "kept 0"), Chunk(doc, 1, "kept 1")];
        await store.ReplaceAsync(doc, previous, Ct);

        // The last chunk repeats an index: the store refuses it after writing the others.
        Chunk[] broken = [.. Enumerable.Range(0, count).Select(i => Chunk(doc, i, $"new {i}")), Chunk(doc, count - 1, "duplicate index")];
        await Assert.ThrowsAnyAsync<Exception>(() => store.ReplaceAsync(doc, broken, Ct));

        Assert.Equal(previous, await store.ListAsync(doc, 0, 100, Ct));
        Assert.Equal(2, await store.CountAsync(doc, Ct));
    }

    [Fact]
    public async Task List_PagesFromAnIndex()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("a");
        Chunk[] chunks = [.. Enumerable.Range(0, 10).Select(i => Chunk(doc, i, $"paragraph {i}"))];
        await store.ReplaceAsync(doc, chunks, Ct);

        Assert.Equal(chunks[..4], await store.ListAsync(doc, 0, 4, Ct));
        Assert.Equal(chunks[4..8], await store.ListAsync(doc, 4, 4, Ct));
        Assert.Equal(chunks[8..], await store.ListAsync(doc, 8, 4, Ct));
        Assert.Empty(await store.ListAsync(doc, 10, 4, Ct));
        Assert.Empty(await store.ListAsync(doc, 3, 0, Ct));
        Assert.Empty(await store.ListAsync(Doc("never-chunked"), 0, 4, Ct));
    }

    [Fact]
    public async Task Count_AndDelete_TouchOnlyTheirDocument_AndDeletingNothingIsNoError()
    {
        var store = await OpenStoreAsync();
        var doomed = Doc("doomed");
        var kept = Doc("kept");
        Assert.Equal(0, await store.CountAsync(doomed, Ct));
        await store.ReplaceAsync(doomed, [Chunk(doomed, 0, "a"), Chunk(doomed, 1, "b"), Chunk(doomed, 2, "c")], Ct);
        await store.ReplaceAsync(kept, [Chunk(kept, 0, "a")], Ct);

        await store.DeleteAsync(doomed, Ct);
        await store.DeleteAsync(doomed, Ct);
        await store.DeleteAsync(Doc("never-chunked"), Ct);

        Assert.Equal(0, await store.CountAsync(doomed, Ct));
        Assert.Empty(await store.ListAsync(doomed, 0, 100, Ct));
        Assert.Equal([Chunk(kept, 0, "a")], await store.ListAsync(kept, 0, 100, Ct));
    }

    [Fact]
    public async Task LargeAndUnicodeText_RoundTripsExactly()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("unicode");
        var large = string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 40_000));
        Chunk[] chunks =
        [
            Chunk(doc, 0, large),
            Chunk(doc, 1, "Ünïcödé: 日本語のテキスト, עברית, العربية, emoji 👩‍👩‍👧‍👦 🏳️‍🌈, combining e\u0301, astral 𝔘𝔫𝔦"),
            Chunk(doc, 2, "quotes ' \" `, backslash \\ and tabs\tnewlines\nand a form feed\f"),
            Chunk(doc, 3, string.Empty),
        ];

        await store.ReplaceAsync(doc, chunks, Ct);

        Assert.Equal(chunks, await (await OpenStoreAsync()).ListAsync(doc, 0, 100, Ct));
    }

    [Fact]
    public async Task ManyChunks_RoundTrip_AndAreReplacedByFew()
    {
        var store = await OpenStoreAsync();
        var doc = Doc("long");
        Chunk[] many = [.. Enumerable.Range(0, 1500).Select(i => Chunk(doc, i, $"paragraph {i} of a long document", page: (i / 40) + 1))];

        await store.ReplaceAsync(doc, many, Ct);
        Assert.Equal(1500, await store.CountAsync(doc, Ct));
        Assert.Equal(many[700..710], await store.ListAsync(doc, 700, 10, Ct));

        Chunk[] few = [Chunk(doc, 0, "now short")];
        await store.ReplaceAsync(doc, few, Ct);
        Assert.Equal(few, await store.ListAsync(doc, 0, 2000, Ct));
    }

    [Fact]
    public async Task ConcurrentReplacesOfOneDocument_LeaveExactlyOneVersion_AndReadersNeverSeeAMix()
    {
        var doc = Doc("contended");
        const int Versions = 12;
        var stores = new List<IChunkStore>();
        for (var i = 0; i < 4; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        // Version v has v + 1 chunks (some above the bulk-write threshold), each saying which version it belongs to.
        static Chunk[] Version(string doc, int v, int size) => [.. Enumerable.Range(0, size).Select(i => Chunk(doc, i, $"version {v} chunk {i}"))];
        var sizes = Enumerable.Range(0, Versions).Select(v => v % 2 == 0 ? v + 1 : 40 + v).ToArray();
        await stores[0].ReplaceAsync(doc, Version(doc, 0, sizes[0]), Ct);

        using var start = new SemaphoreSlim(0);
        var writers = Enumerable.Range(0, Versions).Select(v => Task.Run(
            async () =>
            {
                await start.WaitAsync(Ct);
                await stores[v % stores.Count].ReplaceAsync(doc, Version(doc, v, sizes[v]), Ct);
            },
            Ct)).ToArray();
        var done = Task.WhenAll(writers);
        var reads = 0;
        var reader = Task.Run(
            async () =>
            {
                await start.WaitAsync(Ct);
                do
                {
                    AssertOneWholeVersion(await stores[^1].ListAsync(doc, 0, 1000, Ct), sizes);
                    reads++;
                }
                while (!done.IsCompleted);
            },
            Ct);
        start.Release(Versions + 1);
        await done;
        await reader;

        var final = await stores[0].ListAsync(doc, 0, 1000, Ct);
        var version = AssertOneWholeVersion(final, sizes);
        Assert.Equal(sizes[version], await stores[1].CountAsync(doc, Ct));
        Assert.True(reads > 0);
    }

    /// <summary>Every chunk says the same version and the set is that version's whole set; returns the version.</summary>
    private static int AssertOneWholeVersion(IReadOnlyList<Chunk> chunks, int[] sizes)
    {
        Assert.NotEmpty(chunks);
        var versions = chunks.Select(c => int.Parse(c.Text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        var version = Assert.Single(versions);
        Assert.Equal(Enumerable.Range(0, sizes[version]), chunks.Select(c => c.Index));
        return version;
    }

    protected async Task<IChunkStore> OpenStoreAsync()
    {
        var store = await CreateStoreAsync(Ct);
        _resources.Add(store);
        return store;
    }

    /// <summary>A document id no other test uses.</summary>
    protected string Doc(string name) => $"doc-{_prefix}-{name}";

    protected static Chunk Chunk(string documentId, int index, string text, int? page = null) =>
        new($"{documentId}:{index}", documentId, index, text, index * 1000, (index * 1000) + text.Length, page, (text.Length / 4) + 1);
}
