using System.Text;
using Sluice.Core.Ports;
using Sluice.Kafka.Internal;

namespace Sluice.Kafka.Tests;

/// <summary>Consumer lag on the mock cluster: logical topic names under a prefix, and the oldest-record reads cached and bounded.</summary>
public sealed class KafkaLagTests(MockClusterFixture fixture) : IClassFixture<MockClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OldestUnreadRecords_AreReadAtMostABatchPerCall_AndNotAgainWhileTheCommitStays()
    {
        var prefix = $"p{Guid.NewGuid():N}.";
        var topic = "many";
        const int partitions = KafkaLagReader.MaxReadsPerCall + 8;
        await using var log = new KafkaEventLog(fixture.Options(prefix));
        fixture.CreateTopic(prefix + topic, partitions);
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync([.. Enumerable.Range(0, partitions * 10).Select(i => new OutgoingRecord(topic, $"k{i}", Encoding.UTF8.GetBytes("v")))], Ct);
        }

        var first = await log.GetLagAsync("group", [topic], Ct);
        var waiting = first.Count(l => l.Lag > 0);
        Assert.True(waiting > KafkaLagReader.MaxReadsPerCall, $"{waiting} partitions got records: more than one call's reads are needed");
        Assert.Equal(partitions, first.Count);
        Assert.All(first, l => Assert.Equal(topic, l.Topic)); // logical names, without the prefix
        Assert.Equal(partitions * 10, first.Sum(l => l.Lag));
        Assert.Equal(KafkaLagReader.MaxReadsPerCall, first.Count(l => l.OldestUnreadAt is not null));
        Assert.Equal(KafkaLagReader.MaxReadsPerCall, log.LagRecordsRead);

        var second = await log.GetLagAsync("group", [topic], Ct);
        Assert.Equal(waiting, second.Count(l => l.OldestUnreadAt is not null));
        Assert.Equal(waiting, log.LagRecordsRead);

        var third = await log.GetLagAsync("group", [topic], Ct);
        Assert.Equal(waiting, third.Count(l => l.OldestUnreadAt is not null));
        Assert.Equal(waiting, log.LagRecordsRead); // nothing moved: nothing read again
        Assert.Equal(second.Select(l => l.OldestUnreadAt), third.Select(l => l.OldestUnreadAt));
    }
}
