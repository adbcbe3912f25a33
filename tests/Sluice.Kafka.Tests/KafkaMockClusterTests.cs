using Confluent.Kafka;

namespace Sluice.Kafka.Tests;

public sealed class KafkaMockClusterTests
{
    [Fact]
    public async Task AStartedCluster_ServesTheRealClient_AndABrokerCanGoDownAndComeBack()
    {
        using var mock = KafkaMockCluster.Start(brokers: 3);
        Assert.Equal(3, mock.BootstrapServers.Split(',').Length);
        mock.CreateTopic("probe", partitions: 2, replicationFactor: 3);

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = mock.BootstrapServers,
            EnableIdempotence = true,
        }).Build();
        var first = await producer.ProduceAsync("probe", new Message<string, string> { Key = "a", Value = "1" }, TestContext.Current.CancellationToken);
        Assert.Equal(PersistenceStatus.Persisted, first.Status);

        mock.SetBrokerDown(1);
        mock.SetBrokerUp(1);
        var second = await producer.ProduceAsync("probe", new Message<string, string> { Key = "a", Value = "2" }, TestContext.Current.CancellationToken);
        Assert.Equal(first.Partition, second.Partition);
        Assert.Equal(first.Offset + 1, second.Offset);
    }

    [Fact]
    public void CreateTopic_OfAnExistingTopic_FailsWithTheBrokerError()
    {
        using var mock = KafkaMockCluster.Start(brokers: 1);
        mock.CreateTopic("twice", partitions: 1);

        var error = Assert.Throws<InvalidOperationException>(() => mock.CreateTopic("twice", partitions: 1));
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }
}
