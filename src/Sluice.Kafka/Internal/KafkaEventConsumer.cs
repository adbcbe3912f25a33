using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using KafkaPartition = Confluent.Kafka.TopicPartition;
using KafkaPartitionOffset = Confluent.Kafka.TopicPartitionOffset;
using TopicPartition = Sluice.Core.Ports.TopicPartition;
using TopicPartitionOffset = Sluice.Core.Ports.TopicPartitionOffset;

namespace Sluice.Kafka.Internal;

/// <summary>
/// A group member on a librdkafka consumer. Every blocking call (consume, commit, close) runs on the member's own
/// <see cref="DedicatedThreads"/> (one), one at a time, and a poll's task completes only once its consume call has returned,
/// so rebalance callbacks run while the caller awaits <see cref="PollAsync"/>, never concurrently with its loop.
/// </summary>
internal sealed class KafkaEventConsumer : IEventConsumer
{
    /// <summary>Longest single blocking consume call: bounds how late a cancellation is noticed.</summary>
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private readonly ConsumerSettings _settings;
    private readonly KafkaClients _clients;
    private readonly ILogger _logger;
    private readonly DedicatedThreads _worker;
    private readonly IConsumer<string, byte[]> _consumer;
    private volatile TopicPartition[] _assignment = [];
    private volatile bool _abandoned;
    private Exception? _callbackError;
    private List<KafkaPartition>? _resumeAfterAssign;
    private int _disposed;

    public KafkaEventConsumer(ConsumerSettings settings, KafkaClients clients)
    {
        _settings = settings;
        _clients = clients;
        _logger = clients.Logger;
        _consumer = new ConsumerBuilder<string, byte[]>(clients.Consumer(settings))
            .SetLogHandler((_, message) => clients.OnLog(message))
            .SetErrorHandler((_, error) => clients.OnError("consumer", error))
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .Build();
        _consumer.Subscribe(settings.Topics.Select(clients.Wire));
        _worker = new DedicatedThreads($"kafka-consumer {settings.GroupId}");
    }

    public string GroupId => _settings.GroupId;

    public IReadOnlyCollection<TopicPartition> Assignment => _assignment;

    public Task<IReadOnlyList<ConsumedRecord>> PollAsync(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<ConsumedRecord>>(cancellationToken);
        }

        return _worker.RunAsync<IReadOnlyList<ConsumedRecord>>(() => Poll(maxRecords, timeout, cancellationToken), cancellationToken);
    }

    public void Pause(IEnumerable<TopicPartition> partitions) => PauseOrResume(partitions, pause: true);

    public void Resume(IEnumerable<TopicPartition> partitions) => PauseOrResume(partitions, pause: false);

    public Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (offsets.Count == 0)
        {
            return Task.CompletedTask;
        }

        return _worker.RunAsync(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                StoreAndCommit(offsets);
            }
            catch (KafkaException ex)
            {
                throw KafkaErrors.Consumer("commit offsets", ErrorOf(ex), ex);
            }

            return true;
        }, cancellationToken).WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // A poll still waiting returns at its next slice (see Poll), so that the close queued after it starts.
        // Close leaves the group (revoking, and committing what OnRevoking returns). It can hang on an unreachable
        // cluster, so it runs on the member's thread and is abandoned at the deadline.
        var timeout = _clients.Options.CloseTimeout;
        var closing = _worker.RunAsync(() =>
        {
            try
            {
                _consumer.Close();
            }
            catch (KafkaException ex)
            {
                KafkaLog.CloseFailed(_logger, "consumer", ex);
            }
            finally
            {
                _consumer.Dispose();
            }

            return true;
        });
        _worker.Complete();
        if (await Task.WhenAny(closing, Task.Delay(timeout)) != closing)
        {
            _abandoned = true;
            KafkaLog.CloseAbandoned(_logger, "consumer", timeout);
        }
    }

    private List<ConsumedRecord> Poll(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var records = new List<ConsumedRecord>(Math.Min(maxRecords, 64));
        var started = Stopwatch.GetTimestamp();
        while (records.Count < maxRecords && Volatile.Read(ref _disposed) == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            var wait = records.Count > 0 || remaining <= TimeSpan.Zero ? TimeSpan.Zero : (remaining < Slice ? remaining : Slice);
            ConsumeResult<string, byte[]>? result;
            try
            {
                result = _consumer.Consume(wait);
                ResumeNewlyAssigned();
            }
            catch (ConsumeException ex) when (records.Count > 0)
            {
                // The records already read are handed out; the error comes back on the next poll if it persists.
                KafkaLog.ConsumeErrorDeferred(_logger, GroupId, ex.Error.Reason);
                break;
            }
            catch (KafkaException ex)
            {
                throw KafkaErrors.Consumer("consume", ex.Error, ex);
            }

            if (Interlocked.Exchange(ref _callbackError, null) is { } callbackError)
            {
                throw new EventLogException("A rebalance callback failed.", callbackError) { IsTransient = false };
            }

            if (result is null || result.IsPartitionEOF)
            {
                if (records.Count > 0 || remaining <= wait)
                {
                    break;
                }

                continue;
            }

            records.Add(ToRecord(result));
        }

        return records;
    }

    private ConsumedRecord ToRecord(ConsumeResult<string, byte[]> result)
    {
        var message = result.Message;
        IReadOnlyDictionary<string, string> headers = EmptyHeaders;
        if (message.Headers is { Count: > 0 } raw)
        {
            var map = new Dictionary<string, string>(raw.Count, StringComparer.Ordinal);
            foreach (var header in raw)
            {
                var bytes = header.GetValueBytes();
                map[header.Key] = bytes is null ? string.Empty : Encoding.UTF8.GetString(bytes);
            }

            headers = map;
        }

        return new ConsumedRecord(
            _clients.Logical(result.Topic),
            result.Partition.Value,
            result.Offset.Value,
            message.Key ?? string.Empty,
            message.Value ?? [],
            headers,
            DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp.UnixTimestampMs));
    }

    private static readonly Dictionary<string, string> EmptyHeaders = [];

    /// <summary>
    /// Stores each offset, then commits what is stored. Storing fails for partitions this member does not own,
    /// which is exactly what the contract asks: those offsets are ignored.
    /// </summary>
    private void StoreAndCommit(IEnumerable<TopicPartitionOffset> offsets)
    {
        var stored = 0;
        foreach (var offset in offsets)
        {
            try
            {
                _consumer.StoreOffset(new KafkaPartitionOffset(_clients.Wire(offset.Topic), offset.Partition, offset.Offset));
                stored++;
            }
            catch (KafkaException ex) when (NotOwned(ex))
            {
            }
        }

        if (stored == 0)
        {
            return;
        }

        try
        {
            _consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing new to commit: the stored offsets were committed already.
        }
    }

    /// <summary>The error of a failed commit: a per-partition one when the request as a whole succeeded.</summary>
    private static Error ErrorOf(KafkaException ex) =>
        ex is TopicPartitionOffsetException { Results: { } results } && results.FirstOrDefault(r => r.Error.IsError) is { } failed
            ? failed.Error
            : ex.Error;

    private static bool NotOwned(KafkaException ex) =>
        ex is TopicPartitionOffsetException { Results: { } results }
            ? results.All(r => !r.Error.IsError || IsNotOwned(r.Error.Code))
            : IsNotOwned(ex.Error.Code);

    private static bool IsNotOwned(ErrorCode code) =>
        code is ErrorCode.Local_State or ErrorCode.Local_UnknownPartition or ErrorCode.Local_UnknownTopic or ErrorCode.Local_Partial;

    private void PauseOrResume(IEnumerable<TopicPartition> partitions, bool pause)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var owned = partitions.Where(_assignment.Contains).Select(_clients.Wire).ToList();
        if (owned.Count == 0)
        {
            return;
        }

        try
        {
            if (pause)
            {
                _consumer.Pause(owned);
            }
            else
            {
                _consumer.Resume(owned);
            }
        }
        catch (KafkaException ex)
        {
            throw KafkaErrors.Consumer(pause ? "pause partitions" : "resume partitions", ex.Error, ex);
        }
    }

    /// <summary>
    /// librdkafka keeps a partition's pause flag across unassign and assign: a partition paused by this member,
    /// lost or moved away, and assigned back later would never be fetched again. A newly assigned partition
    /// starts unpaused (as with the Java client), once the assignment the callback announced is in place.
    /// </summary>
    private void ResumeNewlyAssigned()
    {
        if (_resumeAfterAssign is { Count: > 0 } partitions)
        {
            _resumeAfterAssign = null;
            try
            {
                _consumer.Resume(partitions);
            }
            catch (KafkaException ex)
            {
                throw KafkaErrors.Consumer("resume newly assigned partitions", ex.Error, ex);
            }
        }
    }

    private void OnAssigned(List<KafkaPartition> partitions)
    {
        (_resumeAfterAssign ??= []).AddRange(partitions);
        var added = partitions.Select(_clients.Logical).ToList();
        _assignment = [.. _assignment.Union(added)];
        KafkaLog.Assigned(_logger, GroupId, string.Join(", ", added));
        Callback(() => _settings.OnAssigned?.Invoke(added));
    }

    private void OnRevoked(List<KafkaPartitionOffset> partitions)
    {
        var revoked = partitions.Select(p => _clients.Logical(p.TopicPartition)).ToList();
        KafkaLog.Revoked(_logger, GroupId, string.Join(", ", revoked));
        IReadOnlyCollection<TopicPartitionOffset>? offsets = null;
        Callback(() => offsets = _settings.OnRevoking?.Invoke(revoked));
        var toCommit = offsets?.Where(o => revoked.Contains(o.TopicPartition)).ToList() ?? [];
        if (toCommit.Count > 0)
        {
            // The partitions are still owned here: commit now, before another member starts from the old offsets.
            try
            {
                StoreAndCommit(toCommit);
            }
            catch (KafkaException ex)
            {
                KafkaLog.RevokeCommitFailed(_logger, GroupId, string.Join(", ", toCommit), ex);
            }
        }

        _assignment = [.. _assignment.Except(revoked)];
    }

    private void OnLost(List<KafkaPartitionOffset> partitions)
    {
        // Lost partitions may already belong to another member: the owner's offsets must not be overwritten.
        var lost = partitions.Select(p => _clients.Logical(p.TopicPartition)).ToList();
        KafkaLog.Lost(_logger, GroupId, string.Join(", ", lost));
        Callback(() => _settings.OnRevoking?.Invoke(lost));
        _assignment = [.. _assignment.Except(lost)];
    }

    /// <summary>
    /// Runs a caller's callback. An exception must not escape into librdkafka's rebalance (the assignment would be
    /// left half done): it is kept and thrown from the poll instead. After an abandoned close, callbacks are skipped.
    /// </summary>
    private void Callback(Action callback)
    {
        if (_abandoned)
        {
            return;
        }

        try
        {
            callback();
        }
        catch (Exception ex)
        {
            KafkaLog.CallbackFailed(_logger, GroupId, ex);
            Interlocked.CompareExchange(ref _callbackError, ex, null);
        }
    }
}
