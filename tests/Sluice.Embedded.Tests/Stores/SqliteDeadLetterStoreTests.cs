using System.Text;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteDeadLetterStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-dead-letters", Guid.NewGuid().ToString("N"));
    private readonly SqliteDeadLetterStore _store;

    public SqliteDeadLetterStoreTests()
    {
        _store = new SqliteDeadLetterStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = Path.Combine(_directory, "status.db"),
            ChunksPath = Path.Combine(_directory, "chunks.db"),
            DeadLettersPath = Path.Combine(_directory, "dead-letters.db"),
        }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task OfConcurrentReplaysOfOneDeadLetter_ExactlyOneTakesIt()
    {
        await _store.SaveAsync(Letter(0), Ct);

        var taken = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _store.TryBeginReplayAsync("dl-0", T0, Ct), Ct)));

        Assert.Equal(1, taken.Count(t => t));
        Assert.Equal("replaying", (await _store.GetAsync("dl-0", Ct))!.State);
        Assert.True(await _store.MarkReplayedAsync("dl-0", T0.AddSeconds(1), Ct));
        Assert.False(await _store.TryBeginReplayAsync("dl-0", T0.AddSeconds(2), Ct)); // replayed: never again
        Assert.False(await _store.MarkReplayedAsync("dl-0", T0.AddSeconds(3), Ct));
        var replayed = (await _store.GetAsync("dl-0", Ct))!;
        Assert.Equal(("replayed", 1, T0.AddSeconds(1)), (replayed.State, replayed.Replays, replayed.ReplayedAt));
    }

    [Fact]
    public async Task AFailedPublish_ParksItAgain_AndStaleReplaysAreParkedAgain()
    {
        foreach (var i in Enumerable.Range(0, 3))
        {
            await _store.SaveAsync(Letter(i), Ct);
        }

        Assert.True(await _store.TryBeginReplayAsync("dl-0", T0, Ct));
        Assert.True(await _store.ReturnToParkedAsync("dl-0", Ct));
        Assert.Equal(("parked", 0, (DateTimeOffset?)null), State(await _store.GetAsync("dl-0", Ct)));

        Assert.True(await _store.TryBeginReplayAsync("dl-1", T0, Ct));                     // its replayer died
        Assert.True(await _store.TryBeginReplayAsync("dl-2", T0.AddMinutes(9), Ct));       // still publishing
        Assert.Equal(1, await _store.ReturnStaleReplaysAsync(T0.AddMinutes(5), Ct));

        Assert.Equal("parked", (await _store.GetAsync("dl-1", Ct))!.State);
        Assert.Equal("replaying", (await _store.GetAsync("dl-2", Ct))!.State);
        Assert.True(await _store.TryBeginReplayAsync("dl-1", T0.AddMinutes(10), Ct));      // replayable again
    }

    [Fact]
    public async Task Prune_DeletesOnlyDeadLettersReplayedBeforeTheCutoff()
    {
        foreach (var i in Enumerable.Range(0, 4))
        {
            await _store.SaveAsync(Letter(i, failedAt: T0.AddDays(-100)), Ct);
        }

        await ReplayAsync("dl-1", T0.AddDays(-40));
        await ReplayAsync("dl-2", T0.AddDays(-10));
        Assert.True(await _store.TryBeginReplayAsync("dl-3", T0.AddDays(-40), Ct)); // replaying, not replayed

        Assert.Equal(1, await _store.PruneReplayedAsync(T0.AddDays(-30), Ct));

        Assert.Null(await _store.GetAsync("dl-1", Ct));
        Assert.Equal("parked", (await _store.GetAsync("dl-0", Ct))!.State);   // parked long ago: kept until replayed
        Assert.Equal("replayed", (await _store.GetAsync("dl-2", Ct))!.State);
        Assert.Equal("replaying", (await _store.GetAsync("dl-3", Ct))!.State);
    }

    [Fact]
    public async Task ParkedPages_GoOldestFirst_AfterTheCursor_UpToTheBound()
    {
        foreach (var i in Enumerable.Range(0, 6))
        {
            await _store.SaveAsync(Letter(i, stage: i == 2 ? "chunk" : "embed"), Ct);
        }

        await ReplayAsync("dl-1", T0);

        Assert.Equal(3, await _store.CountParkedAsync("embed", "dl-4", Ct));
        Assert.Equal(["dl-0", "dl-3"], (await _store.ListParkedOldestFirstAsync("embed", null, "dl-4", 2, Ct)).Select(d => d.Id));
        Assert.Equal(["dl-4"], (await _store.ListParkedOldestFirstAsync("embed", "dl-3", "dl-4", 2, Ct)).Select(d => d.Id));
        Assert.Equal(["dl-0", "dl-2", "dl-3", "dl-4", "dl-5"], (await _store.ListParkedOldestFirstAsync(null, null, "dl-5", 10, Ct)).Select(d => d.Id));
    }

    private async Task ReplayAsync(string id, DateTimeOffset at)
    {
        Assert.True(await _store.TryBeginReplayAsync(id, at, Ct));
        Assert.True(await _store.MarkReplayedAsync(id, at, Ct));
    }

    private static (string, int, DateTimeOffset?) State(DeadLetter? d) => (d!.State, d.Replays, d.ReplayedAt);

    private static DeadLetter Letter(int i, string stage = "embed", DateTimeOffset? failedAt = null) => new(
        $"dl-{i}", stage, $"doc-{i}", $"{stage}.dlq", 0, i, $"doc-{i}", Encoding.UTF8.GetBytes("{}"),
        new Dictionary<string, string>(), failedAt ?? T0);
}
