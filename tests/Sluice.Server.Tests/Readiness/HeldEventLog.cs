using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Readiness;

/// <summary>
/// A real event log whose topic provisioning waits until <see cref="Release"/>, as a log that is not reachable yet
/// would; it counts the consumers created before the topics existed.
/// </summary>
internal sealed class HeldEventLog(IEventLog inner) : IEventLog
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _provisioned;
    private int _consumersBeforeTopics;
    private int _consumers;

    /// <summary>Consumers created before <see cref="EnsureTopicsAsync"/> completed.</summary>
    public int ConsumersBeforeTopics => Volatile.Read(ref _consumersBeforeTopics);

    /// <summary>All consumers created.</summary>
    public int Consumers => Volatile.Read(ref _consumers);

    public void Release() => _released.TrySetResult();

    public async Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        await _released.Task.WaitAsync(cancellationToken);
        await inner.EnsureTopicsAsync(topics, cancellationToken);
        Volatile.Write(ref _provisioned, 1);
    }

    public IEventProducer CreateProducer() => inner.CreateProducer();

    public IEventConsumer CreateConsumer(ConsumerSettings settings)
    {
        Interlocked.Increment(ref _consumers);
        if (Volatile.Read(ref _provisioned) == 0)
        {
            Interlocked.Increment(ref _consumersBeforeTopics);
        }

        return inner.CreateConsumer(settings);
    }

    public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
        => inner.GetLagAsync(groupId, topics, cancellationToken);
}
