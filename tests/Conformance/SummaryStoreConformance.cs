using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>Behaviour every <see cref="ISummaryStore"/> must have; a fixture opens a store on an empty backend of the test's own.</summary>
public abstract class SummaryStoreConformance
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<ISummaryStore> CreateStoreAsync(CancellationToken cancellationToken);

    [Fact]
    public async Task Save_ThenGet_ReturnsTheSummary_PerDocument()
    {
        var store = await CreateStoreAsync(Ct);
        var summary = new Summary("d1", "A short summary — with ünïcode.", "extractive@1", T0.AddMilliseconds(250));

        await store.SaveAsync(summary, Ct);
        await store.SaveAsync(summary with { DocumentId = "d2", Text = "another" }, Ct);

        Assert.Equal(summary, await store.GetAsync("d1", Ct));
        Assert.Equal("another", (await store.GetAsync("d2", Ct))!.Text);
        Assert.Null(await store.GetAsync("d3", Ct));
    }

    [Fact]
    public async Task SaveAgain_Replaces()
    {
        var store = await CreateStoreAsync(Ct);
        await store.SaveAsync(new Summary("d1", "first", "extractive@1", T0), Ct);

        var second = new Summary("d1", "second", "llm@2", T0.AddHours(1));
        await store.SaveAsync(second, Ct);

        Assert.Equal(second, await store.GetAsync("d1", Ct));
    }

    [Fact]
    public async Task ConcurrentSavesOfOneDocument_LeaveOneOfThem()
    {
        var store = await CreateStoreAsync(Ct);
        var summaries = Enumerable.Range(0, 12).Select(i => new Summary("d1", $"text {i}", "extractive@1", T0.AddSeconds(i))).ToList();

        await Task.WhenAll(summaries.Select(s => Task.Run(() => store.SaveAsync(s, Ct), Ct)));

        Assert.Contains(await store.GetAsync("d1", Ct), summaries);
    }

    [Fact]
    public async Task Delete_RemovesIt_AndDeletingNothingIsNoError()
    {
        var store = await CreateStoreAsync(Ct);
        await store.SaveAsync(new Summary("d1", "text", "extractive@1", T0), Ct);
        await store.SaveAsync(new Summary("d2", "text", "extractive@1", T0), Ct);

        await store.DeleteAsync("d1", Ct);
        await store.DeleteAsync("d1", Ct);
        await store.DeleteAsync("never", Ct);

        Assert.Null(await store.GetAsync("d1", Ct));
        Assert.NotNull(await store.GetAsync("d2", Ct));
    }
}
