using Sluice.Core.Ports;

namespace Sluice.Conformance;

public abstract partial class EventLogConformance
{
    [Fact]
    public async Task Lag_OfAGroupThatNeverCommitted_IsEveryRecord_PerPartition_WithTheFirstRecordsTime()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 3);
        var empty = await CreateTopicAsync(log, 1);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        var positions = await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 12).Select(i => $"v{i}"));
        var after = DateTimeOffset.UtcNow.AddSeconds(5);

        var lags = await log.GetLagAsync(UniqueName("group"), [topic, empty, UniqueName("missing")], Ct);

        Assert.True(
            lags.Select(l => (l.Topic, l.Partition)).Order().SequenceEqual(new[] { (topic, 0), (topic, 1), (topic, 2), (empty, 0) }.Order()),
            "partitions of the existing topics, and only those: " + string.Join(", ", lags));
        foreach (var lag in lags.Where(l => l.Topic == topic))
        {
            var written = positions.Count(p => p.Partition == lag.Partition);
            Assert.Null(lag.Committed);
            Assert.Equal(written, lag.End);
            Assert.Equal(written, lag.Lag);
            if (written > 0)
            {
                Assert.NotNull(lag.OldestUnreadAt);
                Assert.InRange(lag.OldestUnreadAt.Value, before, after);
            }
        }

        var none = Assert.Single(lags, l => l.Topic == empty);
        Assert.Equal((null, 0L, 0L, null), (none.Committed, none.End, none.Lag, none.OldestUnreadAt));
    }

    [Fact]
    public async Task Lag_FollowsTheGroupsCommits_AndTheOldestUnreadRecordIsTheOneAtTheCommit()
    {
        var log = await OpenLogAsync();
        var topic = await CreateTopicAsync(log, 1);
        var group = UniqueName("group");
        await ProduceAsync(Producer(log), topic, Enumerable.Range(0, 10).Select(i => $"v{i}"), _ => "one-key");
        var consumer = Consumer(log, group, topic);
        var read = await ConsumeAsync(consumer, 10);

        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 4)], Ct);
        var partway = Assert.Single(await log.GetLagAsync(group, [topic], Ct));

        Assert.Equal((4L, 10L, 6L), (partway.Committed, partway.End, partway.Lag));
        Assert.Equal(read.Single(r => r.Offset == 4).Timestamp.ToUnixTimeMilliseconds(), partway.OldestUnreadAt?.ToUnixTimeMilliseconds());

        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 10)], Ct);
        var caughtUp = Assert.Single(await log.GetLagAsync(group, [topic], Ct));

        Assert.Equal((10L, 10L, 0L, null), (caughtUp.Committed, caughtUp.End, caughtUp.Lag, caughtUp.OldestUnreadAt));

        await ProduceAsync(Producer(log), topic, ["late"], _ => "one-key");
        var behind = Assert.Single(await log.GetLagAsync(group, [topic], Ct));
        Assert.Equal((10L, 11L, 1L), (behind.Committed, behind.End, behind.Lag));
        Assert.NotNull(behind.OldestUnreadAt);

        // Reading the lag is no member of the group: the member keeps its partition and goes on from where it was.
        Assert.Equal([new TopicPartition(topic, 0)], consumer.Assignment);
        var next = await ConsumeAsync(consumer, 1);
        Assert.Equal("late", Text(Assert.Single(next)));
    }

    [Fact]
    public async Task Lag_RejectsABlankGroup()
    {
        var log = await OpenLogAsync();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => log.GetLagAsync(" ", ["topic"], Ct));
    }
}
