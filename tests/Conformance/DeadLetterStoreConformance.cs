using System.Text;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IDeadLetterStore"/> must have. A fixture says how to open a store on an empty backend of
/// this test's own; stores opened twice in one test share the data, as two processes would.
/// </summary>
public abstract class DeadLetterStoreConformance : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly OwnedResources _resources = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IDeadLetterStore> CreateStoreAsync(CancellationToken cancellationToken);

    public virtual async ValueTask DisposeAsync()
    {
        await _resources.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private async Task<IDeadLetterStore> OpenStoreAsync()
    {
        var store = await CreateStoreAsync(Ct);
        _resources.Add(store);
        return store;
    }

    [Fact]
    public async Task Save_KeepsEverything_AndSavingAgainChangesNothing()
    {
        var store = await OpenStoreAsync();
        var poison = new byte[] { 0xff, 0x00, 0x7b, 0xc3 };
        var headers = new Dictionary<string, string> { ["sluice-error"] = "boom \"quoted\" ünïcode", ["sluice-attempts"] = "3" };
        var letter = new DeadLetter("dl-x", "embed", null, "embed.dlq", 2, 1234567890123, "key-1", poison, headers, T0.AddMilliseconds(5)) { Tenant = "acme" };

        await store.SaveAsync(letter, Ct);
        Assert.True(await store.TryBeginReplayAsync("dl-x", T0, Ct));
        await store.SaveAsync(letter with { Stage = "other" }, Ct);

        var stored = (await store.GetAsync("dl-x", Ct))!;
        Assert.Equal(("dl-x", "embed", (string?)null, "embed.dlq", 2, 1234567890123L, "key-1"),
            (stored.Id, stored.Stage, stored.DocumentId, stored.Topic, stored.Partition, stored.Offset, stored.Key));
        Assert.Equal(poison, stored.Value.ToArray());
        Assert.Equal(headers, stored.Headers);
        Assert.Equal(T0.AddMilliseconds(5), stored.FailedAt);
        Assert.Equal("replaying", stored.State);
        Assert.Equal("acme", stored.Tenant);
        Assert.Null(await store.GetAsync("nothing", Ct));
    }

    [Fact]
    public async Task OfConcurrentReplaysOfOneDeadLetter_ExactlyOneTakesIt()
    {
        var stores = new[] { await OpenStoreAsync(), await OpenStoreAsync() };
        await stores[0].SaveAsync(Letter(0), Ct);

        var taken = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => stores[i % 2].TryBeginReplayAsync("dl-0", T0, Ct), Ct)));

        Assert.Equal(1, taken.Count(t => t));
        var store = stores[0];
        Assert.Equal("replaying", (await store.GetAsync("dl-0", Ct))!.State);
        Assert.True(await store.MarkReplayedAsync("dl-0", T0.AddSeconds(1), Ct));
        Assert.False(await store.TryBeginReplayAsync("dl-0", T0.AddSeconds(2), Ct)); // replayed: never again
        Assert.False(await store.MarkReplayedAsync("dl-0", T0.AddSeconds(3), Ct));
        Assert.False(await store.ReturnToParkedAsync("dl-0", Ct));
        var replayed = (await store.GetAsync("dl-0", Ct))!;
        Assert.Equal(("replayed", 1, T0.AddSeconds(1)), (replayed.State, replayed.Replays, replayed.ReplayedAt));
    }

    [Fact]
    public async Task StateChanges_OfAnUnknownId_AreRefused()
    {
        var store = await OpenStoreAsync();

        Assert.False(await store.TryBeginReplayAsync("nothing", T0, Ct));
        Assert.False(await store.MarkReplayedAsync("nothing", T0, Ct));
        Assert.False(await store.ReturnToParkedAsync("nothing", Ct));
    }

    [Fact]
    public async Task MarkReplayed_OfAParkedDeadLetter_IsRefused()
    {
        var store = await OpenStoreAsync();
        await store.SaveAsync(Letter(0), Ct);

        Assert.False(await store.MarkReplayedAsync("dl-0", T0, Ct));
        Assert.False(await store.ReturnToParkedAsync("dl-0", Ct));
        Assert.Equal("parked", (await store.GetAsync("dl-0", Ct))!.State);
    }

    [Fact]
    public async Task AFailedPublish_ParksItAgain_AndStaleReplaysAreParkedAgain()
    {
        var store = await OpenStoreAsync();
        foreach (var i in Enumerable.Range(0, 3))
        {
            await store.SaveAsync(Letter(i), Ct);
        }

        Assert.True(await store.TryBeginReplayAsync("dl-0", T0, Ct));
        Assert.True(await store.ReturnToParkedAsync("dl-0", Ct));
        Assert.Equal(("parked", 0, (DateTimeOffset?)null), State(await store.GetAsync("dl-0", Ct)));

        Assert.True(await store.TryBeginReplayAsync("dl-1", T0, Ct));                     // its replayer died
        Assert.True(await store.TryBeginReplayAsync("dl-2", T0.AddMinutes(9), Ct));       // still publishing
        Assert.Equal(1, await store.ReturnStaleReplaysAsync(T0.AddMinutes(5), Ct));

        Assert.Equal("parked", (await store.GetAsync("dl-1", Ct))!.State);
        Assert.Equal("replaying", (await store.GetAsync("dl-2", Ct))!.State);
        Assert.True(await store.TryBeginReplayAsync("dl-1", T0.AddMinutes(10), Ct));      // replayable again
    }

    [Fact]
    public async Task Prune_DeletesOnlyDeadLettersReplayedBeforeTheCutoff()
    {
        var store = await OpenStoreAsync();
        foreach (var i in Enumerable.Range(0, 4))
        {
            await store.SaveAsync(Letter(i, failedAt: T0.AddDays(-100)), Ct);
        }

        await ReplayAsync(store, "dl-1", T0.AddDays(-40));
        await ReplayAsync(store, "dl-2", T0.AddDays(-10));
        Assert.True(await store.TryBeginReplayAsync("dl-3", T0.AddDays(-40), Ct)); // replaying, not replayed

        Assert.Equal(1, await store.PruneReplayedAsync(T0.AddDays(-30), Ct));

        Assert.Null(await store.GetAsync("dl-1", Ct));
        Assert.Equal("parked", (await store.GetAsync("dl-0", Ct))!.State);   // parked long ago: kept until replayed
        Assert.Equal("replayed", (await store.GetAsync("dl-2", Ct))!.State);
        Assert.Equal("replaying", (await store.GetAsync("dl-3", Ct))!.State);
    }

    [Fact]
    public async Task List_GoesNewestFirst_InArrivalOrder_WithStageAndParkedFilters_AndAnIdCursor()
    {
        var store = await OpenStoreAsync();

        // Ids are hashes in production: arrival order, not id order, is the order.
        string[] ids = ["zz", "aa", "mm", "bb", "yy"];
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            await store.SaveAsync(Letter(i, id: id, stage: i == 2 ? "chunk" : "embed"), Ct);
        }

        await ReplayAsync(store, "bb", T0);

        Assert.Equal(["yy", "bb", "mm", "aa", "zz"], (await store.ListAsync(null, false, 10, null, null, Ct)).Select(d => d.Id));
        Assert.Equal(["yy", "bb"], (await store.ListAsync(null, false, 2, null, null, Ct)).Select(d => d.Id));
        Assert.Equal(["mm", "aa"], (await store.ListAsync(null, false, 2, "bb", null, Ct)).Select(d => d.Id));
        Assert.Equal(["yy", "aa", "zz"], (await store.ListAsync("embed", true, 10, null, null, Ct)).Select(d => d.Id));
        Assert.Equal(["aa", "zz"], (await store.ListAsync("embed", true, 10, "yy", null, Ct)).Select(d => d.Id));
        Assert.Equal(["mm"], (await store.ListAsync("chunk", false, 10, null, null, Ct)).Select(d => d.Id));
    }

    [Fact]
    public async Task ParkedPages_GoOldestFirst_AfterTheCursor_UpToTheBound()
    {
        var store = await OpenStoreAsync();
        foreach (var i in Enumerable.Range(0, 6))
        {
            await store.SaveAsync(Letter(i, stage: i == 2 ? "chunk" : "embed"), Ct);
        }

        await ReplayAsync(store, "dl-1", T0);

        Assert.Equal(3, await store.CountParkedAsync("embed", "dl-4", null, Ct));
        Assert.Equal(5, await store.CountParkedAsync(null, "dl-5", null, Ct));
        Assert.Equal(["dl-0", "dl-3"], (await store.ListParkedOldestFirstAsync("embed", null, "dl-4", 2, null, Ct)).Select(d => d.Id));
        Assert.Equal(["dl-4"], (await store.ListParkedOldestFirstAsync("embed", "dl-3", "dl-4", 2, null, Ct)).Select(d => d.Id));
        Assert.Equal(["dl-0", "dl-2", "dl-3", "dl-4", "dl-5"], (await store.ListParkedOldestFirstAsync(null, null, "dl-5", 10, null, Ct)).Select(d => d.Id));
    }

    [Fact]
    public async Task ATenantFilter_ListsOnlyThatTenantsDeadLetters_NeverThoseWithoutATenant_AndPagesWithinIt()
    {
        var store = await OpenStoreAsync();
        string?[] tenants = ["acme", "globex", null, "acme", "globex", "acme"];
        foreach (var (tenant, i) in tenants.Select((t, i) => (t, i)))
        {
            await store.SaveAsync(Letter(i, stage: i == 3 ? "chunk" : "embed") with { Tenant = tenant }, Ct);
        }

        await ReplayAsync(store, "dl-5", T0);

        Assert.Equal(["dl-5", "dl-3", "dl-0"], (await store.ListAsync(null, false, 10, null, "acme", Ct)).Select(d => d.Id));
        Assert.All(await store.ListAsync(null, false, 10, null, "acme", Ct), d => Assert.Equal("acme", d.Tenant));
        Assert.Equal(["dl-3", "dl-0"], (await store.ListAsync(null, true, 10, null, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-3"], (await store.ListAsync("chunk", false, 10, null, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-5"], (await store.ListAsync(null, false, 1, null, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-3", "dl-0"], (await store.ListAsync(null, false, 10, "dl-5", "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-4", "dl-1"], (await store.ListAsync(null, false, 10, null, "globex", Ct)).Select(d => d.Id));
        Assert.Empty(await store.ListAsync(null, false, 10, null, "initech", Ct));

        // Another tenant's id as the cursor reads as an unknown one: nothing tells that it exists.
        Assert.Equal(
            (await store.ListAsync(null, false, 10, "no-such-id", "acme", Ct)).Select(d => d.Id),
            (await store.ListAsync(null, false, 10, "dl-4", "acme", Ct)).Select(d => d.Id));
        Assert.Empty(await store.ListAsync(null, false, 10, "dl-2", "acme", Ct));

        // Every tenant's, and the one naming no tenant, without a filter.
        var all = await store.ListAsync(null, false, 10, null, null, Ct);
        Assert.Equal(["dl-5", "dl-4", "dl-3", "dl-2", "dl-1", "dl-0"], all.Select(d => d.Id));
        Assert.Null(all.Single(d => d.Id == "dl-2").Tenant);
    }

    [Fact]
    public async Task ParkedPagesAndCounts_OfOneTenant_LeaveOtherTenantsAlone()
    {
        var store = await OpenStoreAsync();
        string?[] tenants = ["acme", "globex", null, "acme", "globex", "acme"];
        foreach (var (tenant, i) in tenants.Select((t, i) => (t, i)))
        {
            await store.SaveAsync(Letter(i) with { Tenant = tenant }, Ct);
        }

        await ReplayAsync(store, "dl-3", T0);

        Assert.Equal(2, await store.CountParkedAsync(null, "dl-5", "acme", Ct));
        Assert.Equal(1, await store.CountParkedAsync(null, "dl-3", "globex", Ct));
        Assert.Equal(5, await store.CountParkedAsync(null, "dl-5", null, Ct));
        Assert.Equal(["dl-0", "dl-5"], (await store.ListParkedOldestFirstAsync(null, null, "dl-5", 10, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-5"], (await store.ListParkedOldestFirstAsync("embed", "dl-0", "dl-5", 10, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(["dl-1", "dl-4"], (await store.ListParkedOldestFirstAsync(null, null, "dl-5", 10, "globex", Ct)).Select(d => d.Id));
        Assert.Empty(await store.ListParkedOldestFirstAsync(null, null, "dl-5", 10, "initech", Ct));
    }

    private static async Task ReplayAsync(IDeadLetterStore store, string id, DateTimeOffset at)
    {
        Assert.True(await store.TryBeginReplayAsync(id, at, Ct));
        Assert.True(await store.MarkReplayedAsync(id, at, Ct));
    }

    private static (string, int, DateTimeOffset?) State(DeadLetter? d) => (d!.State, d.Replays, d.ReplayedAt);

    private static DeadLetter Letter(int i, string stage = "embed", DateTimeOffset? failedAt = null, string? id = null) => new(
        id ?? $"dl-{i}", stage, $"doc-{i}", $"{stage}.dlq", 0, i, $"doc-{i}", Encoding.UTF8.GetBytes("{}"),
        new Dictionary<string, string>(), failedAt ?? T0);
}
