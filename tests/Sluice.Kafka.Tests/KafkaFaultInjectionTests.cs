using System.Net;
using System.Net.Sockets;
using ErrorCode = Confluent.Kafka.ErrorCode;
using Sluice.Core.Ports;
using static Sluice.Kafka.Tests.KafkaTestSupport;

namespace Sluice.Kafka.Tests;

/// <summary>
/// Broker errors and outages injected into the mock cluster (one cluster per test: injected errors hit whoever
/// sends the next request). Retries inside the client must stay invisible: no duplicates, no lost records.
/// </summary>
public sealed class KafkaFaultInjectionTests
{
    [Fact]
    public async Task Produce_RetriesBrokerErrors_WithoutDuplicates()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("events", partitions: 1, replicationFactor: 3);
        await using var log = new KafkaEventLog(Options(cluster));
        await using var producer = log.CreateProducer();
        await producer.ProduceAsync([Record("events", "k", "warm-up")], Ct);

        cluster.PushRequestErrors(
            KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut);
        var values = Enumerable.Range(0, 20).Select(i => $"v{i}").ToList();
        var positions = await producer.ProduceAsync(values.Select(v => Record("events", "k", v)).ToList(), Ct).WaitAsync(Patience, Ct);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), positions.Select(p => p.Offset));
        await using var consumer = log.CreateConsumer(new ConsumerSettings("readers", ["events"]));
        var records = await ConsumeAsync(consumer, 21);
        Assert.Equal(["warm-up", .. values], records.Select(Text));
        Assert.Equal(Enumerable.Range(0, 21).Select(i => (long)i), records.Select(r => r.Offset));
    }

    [Fact]
    public async Task Commit_FailingWithRetriableErrors_IsTransient_AndALaterCommitLands()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("events", partitions: 1);
        await using var log = new KafkaEventLog(Options(cluster));
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync(Enumerable.Range(0, 10).Select(i => Record("events", "k", $"v{i}")).ToList(), Ct);
        }

        var consumer = log.CreateConsumer(new ConsumerSettings("committers", ["events"]));
        Assert.Equal(10, (await ConsumeAsync(consumer, 10)).Count);

        cluster.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.RebalanceInProgress, ErrorCode.GroupCoordinatorNotAvailable);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "The commit never landed.");
            try
            {
                await consumer.CommitAsync([new TopicPartitionOffset("events", 0, 6)], Ct);
                break;
            }
            catch (EventLogException ex)
            {
                Assert.True(ex.IsTransient, $"A retriable commit error surfaced as permanent: {ex.Message}");
                await consumer.PollAsync(10, TimeSpan.FromMilliseconds(200), Ct);
            }
        }

        await consumer.DisposeAsync();
        await using var next = log.CreateConsumer(new ConsumerSettings("committers", ["events"]));
        var resumed = await ConsumeAsync(next, 4);
        Assert.Equal(Enumerable.Range(6, 4).Select(i => (long)i), resumed.Select(r => r.Offset));
    }

    [Fact]
    public async Task JoinGroup_FailingWithCoordinatorErrors_StillJoinsAndConsumes()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("events", partitions: 2);
        await using var log = new KafkaEventLog(Options(cluster));
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync(Enumerable.Range(0, 5).Select(i => Record("events", $"k{i}", $"v{i}")).ToList(), Ct);
        }

        cluster.PushRequestErrors(
            KafkaApiKey.JoinGroup, ErrorCode.GroupLoadInProgress, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup);
        await using var consumer = log.CreateConsumer(new ConsumerSettings("joiners", ["events"]));

        var records = await ConsumeAsync(consumer, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"v{i}"), records.Select(Text).Order());
    }

    [Fact]
    public async Task Produce_WhileABrokerGoesDownAndComesBack_WritesEveryRecordExactlyOnce()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("events", partitions: 3, replicationFactor: 3);
        await using var log = new KafkaEventLog(Options(cluster));
        await using var producer = log.CreateProducer();

        var positions = new List<TopicPartitionOffset>();
        Task? outage = null;
        for (var call = 0; call < 30; call++)
        {
            if (call == 10)
            {
                cluster.SetBrokerDown(1);
                outage = Task.Run(
                    async () =>
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
                        cluster.SetBrokerUp(1);
                    },
                    Ct);
            }

            var batch = Enumerable.Range(call * 10, 10).Select(i => Record("events", $"key-{i % 17}", $"record-{i}")).ToList();
            positions.AddRange(await producer.ProduceAsync(batch, Ct).WaitAsync(Patience, Ct));
        }

        await outage!;
        Assert.Equal(300, positions.Distinct().Count());
        foreach (var partition in positions.GroupBy(p => p.Partition))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(p => p.Offset).Order());
        }

        await using var consumer = log.CreateConsumer(new ConsumerSettings("readers", ["events"]));
        var records = await ConsumeAsync(consumer, 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"record-{i}").Order(), records.Select(Text).Order());
    }

    [Fact]
    public async Task Produce_AfterAFatalProducerError_FailsTransiently_ThenSucceedsOnANewProducer()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        cluster.CreateTopic("events", partitions: 1);
        await using var log = new KafkaEventLog(Options(cluster));
        await using var producer = log.CreateProducer();
        await producer.ProduceAsync([Record("events", "k", "before")], Ct);
        var failed = log.CurrentProducer;

        KafkaMockCluster.InjectFatalError(failed.Handle, ErrorCode.OutOfOrderSequenceNumber, "injected");
        IReadOnlyList<TopicPartitionOffset>? positions = null;
        for (var attempt = 1; positions is null; attempt++)
        {
            Assert.True(attempt <= 3, "The log did not recover from a fatal producer error.");
            try
            {
                positions = await producer.ProduceAsync([Record("events", "k", "after")], Ct).WaitAsync(Patience, Ct);
            }
            catch (EventLogException ex)
            {
                Assert.True(ex.IsTransient, ex.Message);
            }
        }

        Assert.NotSame(failed, log.CurrentProducer);
        Assert.Equal(1, Assert.Single(positions).Offset);
        await using var consumer = log.CreateConsumer(new ConsumerSettings("readers", ["events"]));
        Assert.Equal(["before", "after"], (await ConsumeAsync(consumer, 2)).Select(Text));
    }

    [Fact]
    public async Task Produce_ToAnUnreachableCluster_FailsTransiently_AfterTheDeliveryTimeout()
    {
        var closedPort = ClosedPort();
        await using var log = new KafkaEventLog(new KafkaOptions
        {
            BootstrapServers = $"127.0.0.1:{closedPort}",
            DeliveryTimeout = TimeSpan.FromSeconds(2),
            CloseTimeout = TimeSpan.FromSeconds(2),
        });
        await using var producer = log.CreateProducer();

        var error = await Assert.ThrowsAsync<EventLogException>(
            () => producer.ProduceAsync([Record("events", "k", "v")], Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.True(error.IsTransient, error.Message);

        // A member that never reached its group still closes, without holding up shutdown.
        var consumer = log.CreateConsumer(new ConsumerSettings("readers", ["events"]));
        Assert.Empty(await consumer.PollAsync(10, TimeSpan.FromMilliseconds(200), Ct));
        await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
