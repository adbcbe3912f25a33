using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Internal;

/// <summary>
/// A consumer group's lag on Kafka, without joining the group: the group's commits from a consumer that carries the
/// group's id but never subscribes (<c>Committed</c>, an OffsetFetch: it neither joins nor disturbs the group), the
/// partitions' earliest and end offsets from <c>ListOffsets</c>, and the timestamp of the first unread record from a
/// group-less consumer that reads one record at the committed offset.
/// <para>
/// Not the admin API's <c>ListConsumerGroupOffsets</c>: librdkafka (2.16) can abort the whole process when requests on
/// its coordinator path time out (an enqueue-once reference counted twice, librdkafka issue 4605), which a busy cluster
/// makes happen, and a sampler that asks every few seconds would take the API process down with it.
/// </para>
/// <para>
/// That last read is the only costly part, so it is cached and bounded: the record at an offset never changes, so a
/// partition whose commit did not move since the last call is not read again, and at most
/// <see cref="MaxReadsPerCall"/> partitions are read per call (the others keep no timestamp until a later call).
/// Partition counts come from the cluster's metadata (all topics: asking about one by name may create it), cached
/// for <see cref="MetadataTtl"/>.
/// </para>
/// </summary>
internal sealed class KafkaLagReader(KafkaClients clients, Func<IAdminClient> admin) : IDisposable
{
    /// <summary>Partitions whose first unread record is read in one call, at most.</summary>
    internal const int MaxReadsPerCall = 32;

    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MetadataTtl = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly Dictionary<Confluent.Kafka.TopicPartition, (long Offset, DateTimeOffset At)> _timestamps = [];
    private Dictionary<string, int> _partitions = new(StringComparer.Ordinal);
    private DateTime _metadataAt = DateTime.MinValue;
    private readonly Dictionary<string, IConsumer<Ignore, Ignore>> _committedReaders = new(StringComparer.Ordinal);
    private IConsumer<Ignore, Ignore>? _reader;
    private long _recordsRead;

    /// <summary>Records read so far to learn the oldest unread records' times (each costs a fetch).</summary>
    public long RecordsRead => Interlocked.Read(ref _recordsRead);

    public async Task<IReadOnlyList<PartitionLag>> ReadAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken)
    {
        var partitions = await Task.Run(() => Partitions(topics), cancellationToken);
        if (partitions.Count == 0)
        {
            return [];
        }

        var committed = await CommittedAsync(groupId, partitions, cancellationToken);
        var earliest = await OffsetsAsync(partitions, OffsetSpec.Earliest(), cancellationToken);
        var latest = await OffsetsAsync(partitions, OffsetSpec.Latest(), cancellationToken);

        var rows = new List<(Confluent.Kafka.TopicPartition Wire, long? Committed, long End, long Lag, long Resume)>();
        foreach (var tp in partitions)
        {
            var end = latest.GetValueOrDefault(tp);
            long? commit = committed.TryGetValue(tp, out var c) && c >= 0 ? c : null;
            var (lag, resume) = PartitionLag.Compute(commit, Math.Min(earliest.GetValueOrDefault(tp, end), end), end);
            rows.Add((tp, commit, end, lag, resume));
        }

        var oldest = await Task.Run(() => OldestUnread(rows.Where(r => r.Lag > 0).Select(r => (r.Wire, r.Resume)).ToList()), cancellationToken);
        return
        [
            .. rows.Select(r => new PartitionLag(
                clients.Logical(r.Wire.Topic), r.Wire.Partition.Value, r.Committed, r.End, r.Lag,
                r.Lag > 0 && oldest.TryGetValue(r.Wire, out var at) ? at : null)),
        ];
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reader?.Close();
            _reader?.Dispose();
            _reader = null;
            foreach (var committed in _committedReaders.Values)
            {
                committed.Dispose(); // never subscribed: nothing to leave
            }

            _committedReaders.Clear();
        }
    }

    private List<Confluent.Kafka.TopicPartition> Partitions(IReadOnlyCollection<string> topics)
    {
        lock (_gate)
        {
            var wanted = topics.Distinct(StringComparer.Ordinal).Select(clients.Wire).ToList();
            if (DateTime.UtcNow - _metadataAt > MetadataTtl || wanted.Any(t => !_partitions.ContainsKey(t)))
            {
                try
                {
                    var metadata = admin().GetMetadata(AdminTimeout);
                    _partitions = metadata.Topics
                        .Where(t => t.Error.Code != ErrorCode.UnknownTopicOrPart && t.Partitions.Count > 0)
                        .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
                    _metadataAt = DateTime.UtcNow;
                }
                catch (KafkaException ex)
                {
                    throw KafkaErrors.Admin("read the cluster's topics", ex.Error, ex);
                }
            }

            return
            [
                .. wanted.Where(_partitions.ContainsKey)
                    .SelectMany(t => Enumerable.Range(0, _partitions[t]).Select(p => new Confluent.Kafka.TopicPartition(t, p))),
            ];
        }
    }

    private Task<Dictionary<Confluent.Kafka.TopicPartition, long>> CommittedAsync(
        string groupId, List<Confluent.Kafka.TopicPartition> partitions, CancellationToken cancellationToken)
        => Task.Run(
            () =>
            {
                try
                {
                    return CommittedReader(groupId).Committed(partitions, AdminTimeout)
                        .Where(p => p.Offset.Value >= 0)
                        .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
                }
                catch (KafkaException ex)
                {
                    throw KafkaErrors.Admin($"read the commits of group {groupId}", ex.Error, ex);
                }
            },
            cancellationToken);

    /// <summary>One consumer per group asked about, kept: it carries the group's id only to fetch its commits.</summary>
    private IConsumer<Ignore, Ignore> CommittedReader(string groupId)
    {
        lock (_gate)
        {
            if (!_committedReaders.TryGetValue(groupId, out var reader))
            {
                var config = clients.LagReader();
                config.GroupId = clients.Options.TopicPrefix + groupId;
                config.ClientId = "sluice-lag-commits";
                reader = new ConsumerBuilder<Ignore, Ignore>(config)
                    .SetLogHandler((_, message) => clients.OnLog(message))
                    .SetErrorHandler((_, error) => clients.OnError("lag reader", error))
                    .Build();
                _committedReaders[groupId] = reader;
            }

            return reader;
        }
    }

    private async Task<Dictionary<Confluent.Kafka.TopicPartition, long>> OffsetsAsync(
        List<Confluent.Kafka.TopicPartition> partitions, OffsetSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var result = await admin().ListOffsetsAsync(
                partitions.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = spec }),
                new ListOffsetsOptions { RequestTimeout = AdminTimeout }).WaitAsync(cancellationToken);
            return result.ResultInfos
                .Where(i => !i.TopicPartitionOffsetError.Error.IsError)
                .ToDictionary(i => i.TopicPartitionOffsetError.TopicPartition, i => i.TopicPartitionOffsetError.Offset.Value);
        }
        catch (ListOffsetsException ex)
        {
            throw KafkaErrors.Admin("read the partitions' offsets", ex.Error, ex);
        }
        catch (KafkaException ex)
        {
            throw KafkaErrors.Admin("read the partitions' offsets", ex.Error, ex);
        }
    }

    /// <summary>
    /// The timestamp of the record at each position: from the cache when the position did not move, otherwise read
    /// (up to <see cref="MaxReadsPerCall"/> of them, all assigned at once and read until each gave a record or
    /// <see cref="ReadTimeout"/> passed).
    /// </summary>
    private Dictionary<Confluent.Kafka.TopicPartition, DateTimeOffset> OldestUnread(List<(Confluent.Kafka.TopicPartition Wire, long Resume)> waiting)
    {
        lock (_gate)
        {
            var found = new Dictionary<Confluent.Kafka.TopicPartition, DateTimeOffset>();
            var toRead = new Dictionary<Confluent.Kafka.TopicPartition, long>();
            foreach (var (tp, resume) in waiting)
            {
                if (_timestamps.TryGetValue(tp, out var cached) && cached.Offset == resume)
                {
                    found[tp] = cached.At;
                }
                else if (toRead.Count < MaxReadsPerCall)
                {
                    toRead[tp] = resume;
                }
            }

            if (toRead.Count == 0)
            {
                return found;
            }

            var reader = _reader ??= new ConsumerBuilder<Ignore, Ignore>(clients.LagReader())
                .SetLogHandler((_, message) => clients.OnLog(message))
                .SetErrorHandler((_, error) => clients.OnError("lag reader", error))
                .Build();
            try
            {
                reader.Assign(toRead.Select(p => new Confluent.Kafka.TopicPartitionOffset(p.Key, p.Value)));
                var deadline = DateTime.UtcNow + ReadTimeout;
                while (toRead.Count > 0 && DateTime.UtcNow < deadline)
                {
                    var result = reader.Consume(deadline - DateTime.UtcNow);
                    if (result?.Message is null || !toRead.TryGetValue(result.TopicPartition, out var wantedOffset) || result.Offset.Value < wantedOffset)
                    {
                        continue;
                    }

                    toRead.Remove(result.TopicPartition);
                    reader.Pause([result.TopicPartition]);
                    Interlocked.Increment(ref _recordsRead);
                    if (result.Message.Timestamp.Type == TimestampType.NotAvailable)
                    {
                        continue;
                    }

                    var at = DateTimeOffset.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs);
                    _timestamps[result.TopicPartition] = (wantedOffset, at);
                    found[result.TopicPartition] = at;
                }
            }
            catch (KafkaException ex)
            {
                // The age is a best effort: the lag itself is known, so a failed read leaves the timestamp out.
                KafkaLog.LagReadFailed(clients.Logger, ex.Error.Reason);
            }
            finally
            {
                // A pause outlives the assignment in librdkafka: undo it, or the partition would never be read again.
                reader.Resume(reader.Assignment);
                reader.Unassign();
            }

            return found;
        }
    }
}
