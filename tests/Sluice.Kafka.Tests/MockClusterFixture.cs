using Sluice.Core.Ports;

namespace Sluice.Kafka.Tests;

/// <summary>One mock cluster shared by the tests of a class; every test uses its own topics and groups.</summary>
public sealed class MockClusterFixture : IDisposable
{
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);

    public KafkaMockCluster Cluster { get; } = KafkaMockCluster.Start(brokers: 3);

    /// <summary>Options for a log on this cluster, with short group timeouts so that rebalances are quick.</summary>
    public KafkaOptions Options(string topicPrefix = "") => new()
    {
        BootstrapServers = Cluster.BootstrapServers,
        TopicPrefix = topicPrefix,
        SessionTimeout = TimeSpan.FromSeconds(6),
        CloseTimeout = TimeSpan.FromSeconds(5),
        MaxMessageBytes = 64 * 1024,
    };

    /// <summary>A log whose <see cref="IEventLog.EnsureTopicsAsync"/> works on the mock, which has no CreateTopics request.</summary>
    public IEventLog Open(KafkaOptions options) => new MockTopicsLog(this, options);

    /// <summary>Creates the topic on the mock unless it was created before (the mock refuses a second creation).</summary>
    public void CreateTopic(string wireName, int partitions)
    {
        lock (_topics)
        {
            if (_topics.Add(wireName))
            {
                Cluster.CreateTopic(wireName, partitions, replicationFactor: Math.Min(3, Cluster.Brokers));
            }
        }
    }

    public void Dispose() => Cluster.Dispose();

    /// <summary>
    /// Creates missing topics on the mock first, then runs the real <see cref="KafkaEventLog.EnsureTopicsAsync"/>,
    /// which must find them all and create nothing (a CreateTopics request would fail on the mock).
    /// </summary>
    private sealed class MockTopicsLog(MockClusterFixture fixture, KafkaOptions options) : IEventLog, IAsyncDisposable
    {
        private readonly KafkaEventLog _log = new(options);

        public async Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
        {
            foreach (var topic in topics)
            {
                fixture.CreateTopic(options.TopicPrefix + topic.Name, topic.Partitions);
            }

            await _log.EnsureTopicsAsync(topics, cancellationToken);
        }

        public IEventProducer CreateProducer() => _log.CreateProducer();

        public IEventConsumer CreateConsumer(ConsumerSettings settings) => _log.CreateConsumer(settings);

        public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
            => _log.GetLagAsync(groupId, topics, cancellationToken);

        public ValueTask DisposeAsync() => _log.DisposeAsync();
    }
}
