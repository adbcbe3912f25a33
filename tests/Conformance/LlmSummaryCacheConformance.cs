using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Behaviour every <see cref="ILlmSummaryCache"/> must have; a fixture opens a cache on an empty backend of the test's own.</summary>
public abstract class LlmSummaryCacheConformance
{
    private static readonly LlmSummaryKey Key = new(new string('a', 64), "model-1", "v1");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<ILlmSummaryCache> CreateCacheAsync(CancellationToken cancellationToken);

    [Fact]
    public async Task Put_ThenGet_ByHashModelAndPromptVersion()
    {
        var cache = await CreateCacheAsync(Ct);
        Assert.Null(await cache.GetAsync(Key, Ct));

        await cache.PutAsync(Key, "the summary", cancellationToken: Ct);

        Assert.Equal("the summary", await cache.GetAsync(Key, Ct));
        Assert.Null(await cache.GetAsync(Key with { Model = "model-2" }, Ct));
        Assert.Null(await cache.GetAsync(Key with { PromptVersion = "v2" }, Ct));
        Assert.Null(await cache.GetAsync(Key with { ContentSha256 = new string('b', 64) }, Ct));
    }

    [Fact]
    public async Task PutAgain_Replaces()
    {
        var cache = await CreateCacheAsync(Ct);
        await cache.PutAsync(Key, "first", "d1", Ct);

        await cache.PutAsync(Key, "second", "d1", Ct);

        Assert.Equal("second", await cache.GetAsync(Key, Ct));
    }

    [Fact]
    public async Task DeleteDocument_RemovesItsAnswers_AlsoThoseAnotherDocumentShares_AndNothingElse()
    {
        var cache = await CreateCacheAsync(Ct);
        var other = Key with { ContentSha256 = new string('c', 64) };
        var unfiled = Key with { ContentSha256 = new string('d', 64) };
        await cache.PutAsync(Key, "shared answer", "d1", Ct);
        await cache.PutAsync(Key, "shared answer", "d2", Ct);      // the same text in another document: filed under both
        await cache.PutAsync(other, "d2's own answer", "d2", Ct);
        await cache.PutAsync(unfiled, "nobody's", cancellationToken: Ct);

        Assert.True(await cache.DeleteDocumentAsync("d1", Ct));

        Assert.Null(await cache.GetAsync(Key, Ct));
        Assert.Equal("d2's own answer", await cache.GetAsync(other, Ct));
        Assert.Equal("nobody's", await cache.GetAsync(unfiled, Ct));
        Assert.False(await cache.DeleteDocumentAsync("d1", Ct));
        Assert.False(await cache.DeleteDocumentAsync("never", Ct));

        // d2 loses the shared filing with the answer; its own answer goes when it is deleted.
        Assert.True(await cache.DeleteDocumentAsync("d2", Ct));
        Assert.Null(await cache.GetAsync(other, Ct));
    }

    [Fact]
    public async Task AnAnswerPutAgainUnderAnotherDocument_IsFiledUnderThatOneToo()
    {
        var cache = await CreateCacheAsync(Ct);
        await cache.PutAsync(Key, "answer", cancellationToken: Ct);
        await cache.PutAsync(Key, "answer", "d9", Ct);

        Assert.True(await cache.DeleteDocumentAsync("d9", Ct));

        Assert.Null(await cache.GetAsync(Key, Ct));
    }
}
