using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.EventLog.Polling;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogGroupTests : IDisposable
{
    private readonly TempLogFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task TwoInstancesOnOneFile_ShareAGroup_WhileBothProduce()
    {
        // Two instances behave as two processes: separate connections, writers and consumers.
        await using var first = _file.Open(o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        await using var second = _file.Open(o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        await first.EnsureTopicsAsync([new TopicSpec("shared", 4)], Ct);
        await using var a = first.CreateConsumer(new ConsumerSettings("workers", ["shared"]));
        await using var b = second.CreateConsumer(new ConsumerSettings("workers", ["shared"]));
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [a] = [], [b] = [] };
        await UntilAsync(seen, () => a.Assignment.Count == 2 && b.Assignment.Count == 2, "the instances split the partitions");
        Assert.Empty(a.Assignment.Intersect(b.Assignment));

        var producers = new[] { first.CreateProducer(), second.CreateProducer() };
        var produced = await Task.WhenAll(Enumerable.Range(0, 400).Select(i =>
            producers[i % 2].ProduceAsync([Record("shared", $"doc-{i % 37}", $"v{i}")], Ct)));
        await UntilAsync(seen, () => seen[a].Count + seen[b].Count >= 400, "every record arrived");

        var all = seen[a].Concat(seen[b]).ToList();
        Assert.Equal(400, all.Select(r => (r.Partition, r.Offset)).Distinct().Count());
        foreach (var partition in produced.SelectMany(p => p).GroupBy(p => p.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(p => p.Offset).Order());
        }
    }

    [Fact]
    public async Task SessionTimeout_HandsTheSilentMembersPartitionsToTheOthers_FromItsCommits()
    {
        var shortSession = (Action<SqliteEventLogOptions>)(o => o.SessionTimeout = TimeSpan.FromSeconds(1));
        await using var stuckLog = _file.Open(shortSession);
        await using var liveLog = _file.Open(shortSession);
        await stuckLog.EnsureTopicsAsync([new TopicSpec("jobs", 2)], Ct);
        await stuckLog.CreateProducer().ProduceAsync(Enumerable.Range(0, 20).Select(i => Record("jobs", $"k{i}", $"v{i}")).ToList(), Ct);
        var lost = new List<TopicPartition>();
        var stuck = stuckLog.CreateConsumer(new ConsumerSettings("g", ["jobs"]) { OnRevoking = p => { lost.AddRange(p); return []; } });
        var stuckRecords = await ConsumeAsync(stuck, 20);
        Assert.Equal(2, stuck.Assignment.Count);
        await stuck.CommitAsync(
            [.. stuckRecords.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.Offset) + 1))], Ct);

        // The stuck member stops polling (no heartbeat) without leaving.
        await using var live = liveLog.CreateConsumer(new ConsumerSettings("g", ["jobs"]));
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [live] = [] };
        await UntilAsync(seen, () => live.Assignment.Count == 2, "the live member took both partitions");
        await liveLog.CreateProducer().ProduceAsync([Record("jobs", "k1", "after")], Ct);
        await UntilAsync(seen, () => seen[live].Count >= 1, "the new record arrived");
        Assert.Equal(["after"], seen[live].Select(Text));

        // When the stuck member polls again it finds out and fetches nothing it no longer owns.
        var late = await stuck.PollAsync(100, TimeSpan.Zero, Ct);
        Assert.Empty(late);
        Assert.Empty(stuck.Assignment);
        Assert.Equal(2, lost.Count);
        await stuck.DisposeAsync();
    }

    [Fact]
    public async Task StaticMember_RestartingAfterACrash_GetsItsPartitionsBackWithoutWaitingForTheSession()
    {
        // A long session: only the instance id lets the restarted member in before it expires.
        var longSession = (Action<SqliteEventLogOptions>)(o => o.SessionTimeout = TimeSpan.FromMinutes(10));
        await using var crashed = _file.Open(longSession);
        await crashed.EnsureTopicsAsync([new TopicSpec("t", 2)], Ct);
        var settings = new ConsumerSettings("g", ["t"]) { InstanceId = "worker-1" };
        var before = crashed.CreateConsumer(settings);
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [before] = [] };
        await UntilAsync(seen, () => before.Assignment.Count == 2, "the member owns both partitions");

        await using var restarted = _file.Open(longSession);
        await using var after = restarted.CreateConsumer(settings);
        seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [after] = [] };
        await UntilAsync(seen, () => after.Assignment.Count == 2, "the restarted member owns both partitions", TimeSpan.FromSeconds(20));

        var fenced = await Assert.ThrowsAsync<EventLogException>(() => before.PollAsync(1, TimeSpan.Zero, Ct));
        Assert.False(fenced.IsTransient);
    }

    [Fact]
    public async Task Dispose_LeavesTheGroup_SoTheOthersRebalanceBeforeTheSessionExpires()
    {
        await using var log = _file.Open(o => o.SessionTimeout = TimeSpan.FromMinutes(10));
        await log.EnsureTopicsAsync([new TopicSpec("t", 2)], Ct);
        await using var stays = log.CreateConsumer(new ConsumerSettings("g", ["t"]));
        var leaves = log.CreateConsumer(new ConsumerSettings("g", ["t"]));
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [stays] = [], [leaves] = [] };
        await UntilAsync(seen, () => stays.Assignment.Count == 1 && leaves.Assignment.Count == 1, "the members split the partitions");

        await leaves.DisposeAsync();
        seen.Remove(leaves);
        await UntilAsync(seen, () => stays.Assignment.Count == 2, "the remaining member owns both partitions", TimeSpan.FromSeconds(20));
    }
}
