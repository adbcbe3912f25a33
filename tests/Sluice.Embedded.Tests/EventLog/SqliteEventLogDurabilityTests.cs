using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.EventLog.Polling;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogDurabilityTests : IDisposable
{
    private readonly TempLogFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task Reopen_FindsEveryAcknowledgedRecordAndCommittedOffset()
    {
        IReadOnlyList<TopicPartitionOffset> positions;
        await using (var log = _file.Open())
        {
            await log.EnsureTopicsAsync([new TopicSpec("orders", 3)], Ct);
            var producer = log.CreateProducer();
            positions = await producer.ProduceAsync(Enumerable.Range(0, 30).Select(i => Record("orders", $"k{i}", $"v{i}")).ToList(), Ct);
            await using var consumer = log.CreateConsumer(new ConsumerSettings("billing", ["orders"]));
            var read = await ConsumeAsync(consumer, 30);
            await consumer.CommitAsync(
                [.. read.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, 5))], Ct);
        }

        await using (var reopened = _file.Open())
        {
            await using var fresh = reopened.CreateConsumer(new ConsumerSettings(Guid.NewGuid().ToString("N"), ["orders"]));
            var all = await ConsumeAsync(fresh, 30);
            Assert.Equal(
                positions.OrderBy(p => p.Partition).ThenBy(p => p.Offset),
                all.Select(r => new TopicPartitionOffset(r.Topic, r.Partition, r.Offset)).OrderBy(p => p.Partition).ThenBy(p => p.Offset));

            await using var resumed = reopened.CreateConsumer(new ConsumerSettings("billing", ["orders"]));
            var expected = positions.Count(p => p.Offset >= 5);
            var rest = await ConsumeAsync(resumed, expected);
            Assert.Equal(expected, rest.Count);
            Assert.All(rest, r => Assert.True(r.Offset >= 5));
        }
    }

    [Fact]
    public async Task AcknowledgedRecords_AreInTheFile_BeforeTheProducingLogIsClosed()
    {
        // As after a crash: the producing instance is never disposed before another one reads the file.
        var producing = _file.Open();
        try
        {
            var positions = await producing.CreateProducer().ProduceAsync([Record("crash", "k", "survives")], Ct);
            await using var reader = _file.Open();
            await using var consumer = reader.CreateConsumer(new ConsumerSettings("g", ["crash"]));

            var record = Assert.Single(await ConsumeAsync(consumer, 1));
            Assert.Equal("survives", Text(record));
            Assert.Equal(positions[0].Offset, record.Offset);
        }
        finally
        {
            await producing.DisposeAsync();
        }
    }

    [Fact]
    public async Task Offsets_ContinueAfterReopen_InsteadOfStartingAgain()
    {
        await using (var log = _file.Open())
        {
            await log.EnsureTopicsAsync([new TopicSpec("t", 1)], Ct);
            await log.CreateProducer().ProduceAsync([Record("t", "k", "a"), Record("t", "k", "b")], Ct);
        }

        await using var reopened = _file.Open();
        var next = await reopened.CreateProducer().ProduceAsync([Record("t", "k", "c")], Ct);

        Assert.Equal(new TopicPartitionOffset("t", 0, 2), next[0]);
    }
}
