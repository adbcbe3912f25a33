using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Llm;

/// <summary>
/// Watches the pauses of every consumer the host creates, whichever the event log: how often each group had all of
/// its partitions paused, and any record a poll handed out from a partition that was paused at the time (which the
/// <see cref="IEventConsumer"/> contract forbids).
/// </summary>
internal sealed class PauseWatch
{
    private readonly ConcurrentDictionary<string, int> _fullPauses = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _violations = new();

    /// <summary>Times a member of <paramref name="group"/> went from fetching to having every assigned partition paused.</summary>
    public int FullPauses(string group) => _fullPauses.GetValueOrDefault(group);

    /// <summary>Records handed out from paused partitions, described.</summary>
    public IReadOnlyCollection<string> Violations => [.. _violations];

    /// <summary>Wraps the host's event log (registered last, so it is the one the stages get).</summary>
    public void Watch(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IEventLog) && !d.IsKeyedService);
        services.Remove(original);
        services.AddSingleton<IEventLog>(sp => new Log(this, Resolve(original, sp)));
    }

    private static IEventLog Resolve(ServiceDescriptor descriptor, IServiceProvider services) =>
        descriptor.ImplementationInstance as IEventLog
        ?? (IEventLog?)descriptor.ImplementationFactory?.Invoke(services)
        ?? (IEventLog)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    private sealed class Log(PauseWatch watch, IEventLog inner) : IEventLog
    {
        public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default) =>
            inner.EnsureTopicsAsync(topics, cancellationToken);

        public IEventProducer CreateProducer() => inner.CreateProducer();

        public IEventConsumer CreateConsumer(ConsumerSettings settings) => new Consumer(watch, inner.CreateConsumer(settings));

        public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
            => inner.GetLagAsync(groupId, topics, cancellationToken);
    }

    /// <summary>Called from one loop, as any consumer; only the counters are shared.</summary>
    private sealed class Consumer(PauseWatch watch, IEventConsumer inner) : IEventConsumer
    {
        private readonly HashSet<TopicPartition> _paused = [];
        private bool _allPaused;

        public string GroupId => inner.GroupId;

        public IReadOnlyCollection<TopicPartition> Assignment => inner.Assignment;

        public async Task<IReadOnlyList<ConsumedRecord>> PollAsync(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            var paused = _paused.ToHashSet();
            var records = await inner.PollAsync(maxRecords, timeout, cancellationToken);
            foreach (var record in records.Where(r => paused.Contains(r.TopicPartition)))
            {
                watch._violations.Enqueue($"{GroupId}: {record.TopicPartition}@{record.Offset} while paused");
            }

            _paused.IntersectWith(inner.Assignment);
            return records;
        }

        public void Pause(IEnumerable<TopicPartition> partitions)
        {
            var list = partitions.ToList();
            inner.Pause(list);
            _paused.UnionWith(list);
            var assignment = inner.Assignment;
            if (!_allPaused && assignment.Count > 0 && assignment.All(_paused.Contains))
            {
                _allPaused = true;
                watch._fullPauses.AddOrUpdate(GroupId, 1, (_, n) => n + 1);
            }
        }

        public void Resume(IEnumerable<TopicPartition> partitions)
        {
            var list = partitions.ToList();
            inner.Resume(list);
            _paused.ExceptWith(list);
            _allPaused = false;
        }

        public Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default) =>
            inner.CommitAsync(offsets, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
