using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.EventLog.Polling;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogRetentionTests : IDisposable
{
    private readonly TempLogFile _file = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    /// <summary>A log whose records are kept a day once read, and three days at most even unread.</summary>
    private SqliteEventLog OpenWithHardCap() => _file.Open(
        o =>
        {
            o.DefaultRetention = TimeSpan.FromDays(1);
            o.MaxRetention = TimeSpan.FromDays(3);
        },
        _clock);

    [Fact]
    public async Task Sweep_DeletesExpiredRecordsEveryGroupRead_AndKeepsTheUnreadOnesPastTheRetention()
    {
        await using var log = _file.Open(o => o.DefaultRetention = TimeSpan.FromDays(7), _clock);
        await log.EnsureTopicsAsync([new TopicSpec("short", 1, TimeSpan.FromDays(1)), new TopicSpec("long", 1)], Ct);
        var producer = log.CreateProducer();
        await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("short", "k", $"old-{i}")).ToList(), Ct);
        await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("long", "k", $"old-{i}")).ToList(), Ct);
        await using (var early = log.CreateConsumer(new ConsumerSettings("behind", ["short"])))
        {
            await ConsumeAsync(early, 3);
            await early.CommitAsync([new TopicPartitionOffset("short", 0, 3)], Ct);
        }

        _clock.Advance(TimeSpan.FromDays(2));
        await producer.ProduceAsync(Enumerable.Range(0, 5).Select(i => Record("short", "k", $"new-{i}")).ToList(), Ct);
        var deleted = await log.SweepRetentionAsync(Ct);

        // Only the three records the group read are gone; the seven it did not read survive their retention.
        Assert.Equal(3, deleted);
        await using var behind = log.CreateConsumer(new ConsumerSettings("behind", ["short"]));
        var resumed = await ConsumeAsync(behind, 12);
        Assert.Equal(Enumerable.Range(3, 12).Select(i => (long)i), resumed.Select(r => r.Offset));
        await behind.CommitAsync([new TopicPartitionOffset("short", 0, 15)], Ct);
        Assert.Equal(7, await log.SweepRetentionAsync(Ct)); // read now, and past the retention: swept
        await using var everything = log.CreateConsumer(new ConsumerSettings("all", ["long"]));
        Assert.Equal(10, (await ConsumeAsync(everything, 10)).Count);
        Assert.Equal(15, (await producer.ProduceAsync([Record("short", "k", "next")], Ct))[0].Offset);
    }

    [Fact]
    public async Task Sweep_KeepsEverything_ForAGroupThatSubscribedButNeverCommitted()
    {
        await using var log = _file.Open(o => o.DefaultRetention = TimeSpan.FromDays(1), _clock);
        await log.EnsureTopicsAsync([new TopicSpec("jobs", 1)], Ct);
        await using (var stage = log.CreateConsumer(new ConsumerSettings("stage", ["jobs"])))
        {
            await stage.PollAsync(1, TimeSpan.FromMilliseconds(50), Ct); // joins, then stops before reading anything
        }

        var producer = log.CreateProducer();
        await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("jobs", "k", $"job-{i}")).ToList(), Ct);
        _clock.Advance(TimeSpan.FromDays(30));

        Assert.Equal(0, await log.SweepRetentionAsync(Ct));
        await using var back = log.CreateConsumer(new ConsumerSettings("stage", ["jobs"]));
        Assert.Equal(10, (await ConsumeAsync(back, 10)).Count);
    }

    [Fact]
    public async Task TheHardCap_DeletesUnreadRecords_AndReportsWhichGroupsLostHowMany()
    {
        await using var log = OpenWithHardCap();
        var losses = new List<RetentionLoss>();
        log.UnconsumedRecordsDeleted += losses.Add;
        await log.EnsureTopicsAsync([new TopicSpec("jobs", 1)], Ct);
        var producer = log.CreateProducer();
        await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("jobs", "k", $"job-{i}")).ToList(), Ct);
        await using (var early = log.CreateConsumer(new ConsumerSettings("behind", ["jobs"])))
        {
            await ConsumeAsync(early, 3);
            await early.CommitAsync([new TopicPartitionOffset("jobs", 0, 3)], Ct);
        }

        _clock.Advance(TimeSpan.FromDays(2));
        await producer.ProduceAsync([Record("jobs", "k", "young")], Ct);
        Assert.Equal(3, await log.SweepRetentionAsync(Ct));
        Assert.Empty(losses);

        _clock.Advance(TimeSpan.FromDays(2)); // the first ten are now past the hard cap
        Assert.Equal(7, await log.SweepRetentionAsync(Ct));

        var loss = Assert.Single(losses);
        Assert.Equal(("jobs", 0, 7L), (loss.Topic, loss.Partition, loss.Count));
        Assert.Equal(["behind"], loss.Groups);
        await using var behind = log.CreateConsumer(new ConsumerSettings("behind", ["jobs"]));
        var resumed = await ConsumeAsync(behind, 1);
        Assert.Equal([10L], resumed.Select(r => r.Offset));
    }

    [Fact]
    public async Task AMemberWhoseUnreadRecordsTheHardCapDeleted_MovesPastTheGap_AndReadsWhatComesNextOnce()
    {
        await using var log = OpenWithHardCap();
        await log.EnsureTopicsAsync([new TopicSpec("jobs", 1)], Ct);
        var producer = log.CreateProducer();
        await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("jobs", "k", $"job-{i}")).ToList(), Ct);
        await using var member = log.CreateConsumer(new ConsumerSettings("slow", ["jobs"]));
        var first = new List<ConsumedRecord>();
        while (first.Count < 3)
        {
            first.AddRange(await member.PollAsync(3 - first.Count, TimeSpan.FromMilliseconds(50), Ct));
        }

        _clock.Advance(TimeSpan.FromDays(4)); // offsets 3 to 9, never read, are past the hard cap
        Assert.Equal(10, await log.SweepRetentionAsync(Ct));
        Assert.Empty(await member.PollAsync(100, TimeSpan.FromMilliseconds(50), Ct)); // the partition ends at 10, nothing below it is left

        await producer.ProduceAsync([Record("jobs", "k", "after")], Ct);
        var next = await ConsumeAsync(member, 1);
        Assert.Equal([10L], next.Select(r => r.Offset));
        Assert.Equal("after", Text(next[0]));
        Assert.Empty(await member.PollAsync(100, TimeSpan.FromMilliseconds(50), Ct));
    }

    [Fact]
    public async Task Sweep_KeepsRecordsYoungerThanTheRetention()
    {
        await using var log = _file.Open(o => o.DefaultRetention = TimeSpan.FromHours(1), _clock);
        await log.CreateProducer().ProduceAsync([Record("t", "k", "v")], Ct);

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await log.SweepRetentionAsync(Ct));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await log.SweepRetentionAsync(Ct));
    }
}
