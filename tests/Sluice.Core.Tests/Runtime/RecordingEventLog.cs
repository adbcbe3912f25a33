using System.Collections.Concurrent;
using Sluice.Core.Ports;

namespace Sluice.Core.Tests.Runtime;

/// <summary>
/// An event log that keeps what is produced and hands out consumers that never receive anything; it can refuse to
/// create its n-th consumer, as a log whose broker went away between two calls would.
/// </summary>
internal sealed class RecordingEventLog(int failConsumerNumber = 0) : IEventLog
{
    private int _consumersCreated;

    public ConcurrentQueue<OutgoingRecord> Produced { get; } = new();

    public ConcurrentQueue<IdleConsumer> Consumers { get; } = new();

    public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public IEventProducer CreateProducer() => new Producer(this);

    public IEventConsumer CreateConsumer(ConsumerSettings settings)
    {
        if (Interlocked.Increment(ref _consumersCreated) == failConsumerNumber)
        {
            throw new EventLogException($"cannot create the consumer of {settings.GroupId}") { IsTransient = false };
        }

        var consumer = new IdleConsumer(settings.GroupId);
        Consumers.Enqueue(consumer);
        return consumer;
    }

    /// <summary>Its consumers never read anything, so there is no lag to report.</summary>
    public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
        => Task.FromResult<IReadOnlyList<PartitionLag>>([]);

    private sealed class Producer(RecordingEventLog log) : IEventProducer
    {
        private long _offset;

        public Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
        {
            var positions = new List<TopicPartitionOffset>(records.Count);
            foreach (var record in records)
            {
                log.Produced.Enqueue(record);
                positions.Add(new TopicPartitionOffset(record.Topic, 0, Interlocked.Increment(ref _offset) - 1));
            }

            return Task.FromResult<IReadOnlyList<TopicPartitionOffset>>(positions);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A member with no partitions: polls return nothing after the timeout.</summary>
    internal sealed class IdleConsumer(string groupId) : IEventConsumer
    {
        public string GroupId { get; } = groupId;

        public bool Disposed { get; private set; }

        public IReadOnlyCollection<TopicPartition> Assignment => [];

        private int _polls;

        /// <summary>Calls of <see cref="PollAsync"/> so far.</summary>
        public int Polls => Volatile.Read(ref _polls);

        public async Task<IReadOnlyList<ConsumedRecord>> PollAsync(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _polls);
            await Task.Delay(timeout, cancellationToken);
            return [];
        }

        public void Pause(IEnumerable<TopicPartition> partitions)
        {
        }

        public void Resume(IEnumerable<TopicPartition> partitions)
        {
        }

        public Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
