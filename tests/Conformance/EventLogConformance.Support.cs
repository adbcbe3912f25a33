using System.Text;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IEventLog"/> must have, whatever the backend. A fixture derives from this class
/// and says how to open a log; every test uses fresh topic and group names, so fixtures may share a backend.
/// </summary>
public abstract partial class EventLogConformance : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _resources = [];

    /// <summary>Largest record the log accepts; the suite produces one well over it.</summary>
    protected abstract int MaxRecordBytes { get; }

    /// <summary>Upper bound for anything eventual (rebalances, deliveries). A broken log fails after it instead of hanging.</summary>
    protected virtual TimeSpan Patience => TimeSpan.FromSeconds(30);

    /// <summary>Poll timeout used while looping over several consumers.</summary>
    protected virtual TimeSpan ShortPoll => TimeSpan.FromMilliseconds(100);

    /// <summary>How long the suite watches for records that must not arrive.</summary>
    protected virtual TimeSpan QuietPeriod => TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Whether a member's commit is taken while another member is joining the group. Kafka brokers take commits of
    /// the current generation while a rebalance is being prepared, so a member whose partitions are revoked because
    /// another joined can commit them. librdkafka's mock cluster on the classic protocol does not always: it ends a
    /// rebalance's sync phase as soon as the leader's SyncGroup arrives, so a joining member whose SyncGroup comes
    /// later (on a busy machine) is refused and joins again, and while it joins again the mock answers every
    /// OffsetCommit, the revoking member's too, with REBALANCE_IN_PROGRESS.
    /// </summary>
    protected virtual bool TakesCommitsWhileAMemberJoins => true;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask DisposeAsync()
    {
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync();
        }

        _resources.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Opens a log on this test's backend. Called several times in one test, every instance must see the same
    /// topics, records and groups, as separate processes would.
    /// </summary>
    protected abstract Task<IEventLog> CreateLogAsync(CancellationToken cancellationToken);

    /// <summary>A topic or group name no other test uses.</summary>
    protected virtual string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected async Task<IEventLog> OpenLogAsync()
    {
        var log = await CreateLogAsync(Ct);
        if (log is IAsyncDisposable disposable)
        {
            _resources.Add(disposable);
        }

        return log;
    }

    protected async Task<string> CreateTopicAsync(IEventLog log, int partitions)
    {
        var topic = UniqueName("topic");
        await log.EnsureTopicsAsync([new TopicSpec(topic, partitions)], Ct);
        return topic;
    }

    protected IEventProducer Producer(IEventLog log) => Track(log.CreateProducer());

    protected IEventConsumer Consumer(IEventLog log, string group, string topic) =>
        Consumer(log, new ConsumerSettings(group, [topic]));

    protected IEventConsumer Consumer(IEventLog log, ConsumerSettings settings) => Track(log.CreateConsumer(settings));

    /// <summary>Disposes a consumer now (leaving its group) instead of at the end of the test.</summary>
    protected async Task CloseAsync(IEventConsumer consumer)
    {
        _resources.Remove(consumer);
        await consumer.DisposeAsync();
    }

    protected static OutgoingRecord Record(string topic, string key, string value, IReadOnlyDictionary<string, string>? headers = null) =>
        new(topic, key, Encoding.UTF8.GetBytes(value), headers);

    protected static string Text(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);

    protected static async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IEventProducer producer, string topic, IEnumerable<string> values, Func<string, string>? keyOf = null)
    {
        var records = values.Select(v => Record(topic, keyOf?.Invoke(v) ?? v, v)).ToList();
        return await producer.ProduceAsync(records, Ct);
    }

    /// <summary>Polls every consumer in turn, collecting what each receives, until the condition holds.</summary>
    protected async Task PollUntilAsync(
        IReadOnlyDictionary<IEventConsumer, List<ConsumedRecord>> seen, Func<bool> condition, string what, int maxRecords = 500)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Patience} waiting until {what}. Received: "
                    + string.Join("; ", seen.Select(s => $"{s.Value.Count} records, assignment [{string.Join(", ", s.Key.Assignment)}]")));
            }

            foreach (var (consumer, records) in seen)
            {
                records.AddRange(await consumer.PollAsync(maxRecords, ShortPoll, Ct));
            }
        }
    }

    /// <summary>Polls one consumer until it has received at least <paramref name="count"/> records.</summary>
    protected async Task<List<ConsumedRecord>> ConsumeAsync(IEventConsumer consumer, int count, int maxRecords = 500)
    {
        var seen = new Dictionary<IEventConsumer, List<ConsumedRecord>> { [consumer] = [] };
        await PollUntilAsync(seen, () => seen[consumer].Count >= count, $"{count} records arrived", maxRecords);
        return seen[consumer];
    }

    /// <summary>Polls for <see cref="QuietPeriod"/> and returns whatever arrived (for asserting that nothing does).</summary>
    protected async Task<List<ConsumedRecord>> DrainAsync(params IEventConsumer[] consumers)
    {
        var records = new List<ConsumedRecord>();
        var until = DateTime.UtcNow + QuietPeriod;
        do
        {
            foreach (var consumer in consumers)
            {
                records.AddRange(await consumer.PollAsync(500, ShortPoll, Ct));
            }
        }
        while (DateTime.UtcNow < until);
        return records;
    }

    /// <summary>True once the members own disjoint, non-empty sets of partitions that cover the topic.</summary>
    protected static bool Settled(int partitions, params IEventConsumer[] members)
    {
        var owned = members.SelectMany(m => m.Assignment).ToList();
        return members.All(m => m.Assignment.Count > 0)
            && owned.Count == partitions
            && owned.Distinct().Count() == partitions;
    }

    /// <summary>Next offsets to commit for the records a member consumed.</summary>
    protected static List<TopicPartitionOffset> NextOffsets(IEnumerable<ConsumedRecord> records) =>
        records.GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.Offset) + 1))
            .ToList();

    private T Track<T>(T resource)
        where T : IAsyncDisposable
    {
        _resources.Add(resource);
        return resource;
    }
}
