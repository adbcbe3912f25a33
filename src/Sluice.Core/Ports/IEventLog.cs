using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Sluice.Core.Ports;

/// <summary>
/// The durable, partitioned event log: Kafka-shaped, whether it is Kafka or the embedded SQLite log.
/// <list type="bullet">
/// <item>A topic has a fixed number of partitions; records with the same key land on the same partition, in produce order.</item>
/// <item>Offsets are per partition, start at 0 and grow by one per record.</item>
/// <item>A produce call returns only once its records are durable (acknowledged); it throws otherwise.</item>
/// <item>Consumers in one group split a topic's partitions between them; a committed offset is the next offset to read.</item>
/// </list>
/// </summary>
public interface IEventLog
{
    /// <summary>Creates the topics that do not exist yet. Existing topics are left as they are.</summary>
    Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default);

    IEventProducer CreateProducer();

    IEventConsumer CreateConsumer(ConsumerSettings settings);

    /// <summary>
    /// Where consumer group <paramref name="groupId"/> stands on <paramref name="topics"/>, per partition: its committed
    /// offset, the partition's end offset and the lag between them, and when the oldest record it has still to read was
    /// written. Read from the log's own bookkeeping, without joining the group (its members are not disturbed).
    /// Topics that do not exist are left out. Meant for monitoring: called every few seconds, so it must stay cheap.
    /// </summary>
    Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default);
}

/// <summary>A consumer group's position on one partition: see <see cref="IEventLog.GetLagAsync"/>.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Committed">The group's committed offset (the next to read); null when it never committed on this partition.</param>
/// <param name="End">The end offset (high watermark): the offset the next record written will get.</param>
/// <param name="Lag">
/// Records the group has still to read: <paramref name="End"/> minus where the group resumes, which is its committed
/// offset, or the oldest record still kept when it never committed or retention removed records it had not read
/// (groups start from the earliest record).
/// </param>
/// <param name="OldestUnreadAt">
/// When the first record the group has still to read was written; null when nothing waits, or when the log could not
/// read it this time (it may leave some out to stay cheap).
/// </param>
public sealed record PartitionLag(string Topic, int Partition, long? Committed, long End, long Lag, DateTimeOffset? OldestUnreadAt)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <summary>
    /// The lag of a partition whose end offset is <paramref name="end"/>, whose oldest kept record is at
    /// <paramref name="start"/> (equal to <paramref name="end"/> when it keeps none) and where the group committed
    /// <paramref name="committed"/>; also where the group resumes. The same rule on every log.
    /// </summary>
    public static (long Lag, long Resume) Compute(long? committed, long start, long end)
    {
        var resume = Math.Min(end, Math.Max(committed ?? start, start));
        return (Math.Max(0, end - resume), resume);
    }
}

/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partition count (parallelism bound for a consumer group).</param>
/// <param name="Retention">How long records are kept; <c>null</c> keeps the log's default.</param>
public sealed record TopicSpec(string Name, int Partitions, TimeSpan? Retention = null)
{
    /// <summary>
    /// Whether the log may keep only the newest record of each key once records are older than
    /// <see cref="Retention"/> (Kafka's <c>cleanup.policy=compact</c> with <c>min.compaction.lag.ms</c>).
    /// Logs without compaction keep every record for <see cref="Retention"/> instead.
    /// </summary>
    public bool Compacted { get; init; }
}

public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";
}

/// <summary>A position in a partition. As a commit, <see cref="Offset"/> is the next offset to read.</summary>
public readonly record struct TopicPartitionOffset(string Topic, int Partition, long Offset)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    public override string ToString() => $"{Topic}[{Partition}]@{Offset}";
}

/// <summary>A record to produce.</summary>
public sealed record OutgoingRecord(
    string Topic, string Key, ReadOnlyMemory<byte> Value, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>A record read from the log.</summary>
public sealed record ConsumedRecord(
    string Topic,
    int Partition,
    long Offset,
    string Key,
    ReadOnlyMemory<byte> Value,
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset Timestamp)
{
    public TopicPartition TopicPartition => new(Topic, Partition);
}

public interface IEventProducer : IAsyncDisposable
{
    /// <summary>
    /// Produces the records and returns their positions, in order, once every one is durable.
    /// Records of one key keep their order. Throws <see cref="EventLogException"/> when any record
    /// could not be made durable; the caller must then treat the whole call as failed (some records
    /// may still have been written: at-least-once).
    /// </summary>
    Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(
        IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default);
}

/// <summary>Settings of a group member.</summary>
/// <param name="GroupId">Consumer group; one per stage.</param>
/// <param name="Topics">Subscribed topics.</param>
public sealed record ConsumerSettings(string GroupId, IReadOnlyList<string> Topics)
{
    /// <summary>Static member id (Kafka <c>group.instance.id</c>); <c>null</c> for a dynamic member.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Called when partitions are assigned to this member, from inside <see cref="IEventConsumer.PollAsync"/>.</summary>
    public Action<IReadOnlyCollection<TopicPartition>>? OnAssigned { get; init; }

    /// <summary>
    /// Called before partitions are taken away, from inside <see cref="IEventConsumer.PollAsync"/>.
    /// Returns the offsets to commit for them before they go to another member.
    /// </summary>
    public Func<IReadOnlyCollection<TopicPartition>, IReadOnlyCollection<TopicPartitionOffset>>? OnRevoking { get; init; }

    /// <summary>
    /// Throws unless <paramref name="settings"/> name a group and at least one topic, with no blank names: what every
    /// <see cref="IEventLog.CreateConsumer"/> checks before it creates a member.
    /// </summary>
    /// <param name="settings">The settings to check.</param>
    /// <param name="paramName">The caller's name for <paramref name="settings"/>, reported in the exception.</param>
    /// <exception cref="ArgumentNullException"><paramref name="settings"/> is null.</exception>
    /// <exception cref="ArgumentException">The group id is blank, there is no topic, or a topic name is blank.</exception>
    public static void ThrowIfInvalid(
        [NotNull] ConsumerSettings? settings, [CallerArgumentExpression(nameof(settings))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(settings, paramName);
        if (string.IsNullOrWhiteSpace(settings.GroupId))
        {
            throw new ArgumentException("A consumer needs a group id.", paramName);
        }

        if (settings.Topics is not { Count: > 0 } || settings.Topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("A consumer needs at least one topic, and topic names must not be blank.", paramName);
        }
    }
}

/// <summary>
/// A consumer group member. Not thread-safe: one loop calls all members, as with a Kafka consumer.
/// </summary>
public interface IEventConsumer : IAsyncDisposable
{
    string GroupId { get; }

    /// <summary>Partitions currently assigned to this member.</summary>
    IReadOnlyCollection<TopicPartition> Assignment { get; }

    /// <summary>
    /// Returns up to <paramref name="maxRecords"/> records from assigned, non-paused partitions, waiting
    /// at most <paramref name="timeout"/> for the first one. Also does group membership work
    /// (heartbeats, rebalances), so it must be called regularly even while all partitions are paused.
    /// </summary>
    Task<IReadOnlyList<ConsumedRecord>> PollAsync(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Stops fetching from the partitions until resumed; the position is kept.</summary>
    void Pause(IEnumerable<TopicPartition> partitions);

    void Resume(IEnumerable<TopicPartition> partitions);

    /// <summary>Commits next-offsets-to-read. Offsets of partitions not assigned to this member are ignored.</summary>
    Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default);
}

/// <summary>The log could not do what was asked (not durable, unreachable, record too large…).</summary>
public class EventLogException : Exception
{
    public EventLogException()
    {
    }

    public EventLogException(string message)
        : base(message)
    {
    }

    public EventLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when trying again later may succeed (broker down, timeout, busy database).</summary>
    public bool IsTransient { get; init; } = true;
}
