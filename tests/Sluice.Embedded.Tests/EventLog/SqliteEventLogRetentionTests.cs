using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.EventLog.Polling;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogRetentionTests : IDisposable
{
    private readonly TempLogFile _file = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task Sweep_DeletesExpiredRecords_AndConsumersContinueFromTheEarliestRetained()
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

        Assert.Equal(10, deleted);
        await using var behind = log.CreateConsumer(new ConsumerSettings("behind", ["short"]));
        var resumed = await ConsumeAsync(behind, 5);
        Assert.Equal(Enumerable.Range(10, 5).Select(i => (long)i), resumed.Select(r => r.Offset));
        await using var everything = log.CreateConsumer(new ConsumerSettings("all", ["long"]));
        Assert.Equal(10, (await ConsumeAsync(everything, 10)).Count);
        Assert.Equal(15, (await producer.ProduceAsync([Record("short", "k", "next")], Ct))[0].Offset);
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
