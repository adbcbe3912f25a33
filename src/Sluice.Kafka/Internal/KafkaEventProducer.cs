using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Sluice.Core.Ports;
using TopicPartitionOffset = Sluice.Core.Ports.TopicPartitionOffset;

namespace Sluice.Kafka.Internal;

/// <summary>A handle on the log's <see cref="SharedProducer"/>; disposing it leaves the shared producer open.</summary>
internal sealed class KafkaEventProducer(SharedProducer shared, KafkaClients clients) : IEventProducer
{
    private volatile bool _disposed;

    public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(
        IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count == 0)
        {
            return [];
        }

        // All or nothing for the size limit: nothing of the call is sent when one record is too large.
        for (var i = 0; i < records.Count; i++)
        {
            CheckRecord(records[i], i, clients.Options.MaxMessageBytes);
        }

        var instance = shared.Acquire();
        var batch = new DeliveryBatch(records);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var message = new Message<string, byte[]> { Key = record.Key, Value = ArrayOf(record.Value), Headers = HeadersOf(record.Headers) };
            var handler = batch.HandlerFor(i);
            while (true)
            {
                try
                {
                    instance.Producer.Produce(clients.Wire(record.Topic), message, handler);
                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's local queue is full: wait for deliveries to make room.
                    await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
                }
                catch (KafkaException ex)
                {
                    // Enqueueing never talks to a broker: a broker's error code here is the one that made the
                    // producer fail fatally, which librdkafka returns without flagging it as fatal.
                    if (SharedProducer.IsFatal(ex.Error) || (ex.Error.Code > ErrorCode.NoError && ex.Error.Code != ErrorCode.MsgSizeTooLarge))
                    {
                        instance.MarkFatal();
                    }

                    throw KafkaErrors.Produce(ex.Error, ex);
                }
            }
        }

        var positions = await batch.Completion.WaitAsync(cancellationToken);
        if (batch.FirstError is { } error)
        {
            if (SharedProducer.IsFatal(error))
            {
                instance.MarkFatal();
            }

            throw KafkaErrors.Produce(error);
        }

        return positions;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }

    private static void CheckRecord(OutgoingRecord record, int index, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (string.IsNullOrEmpty(record.Topic))
        {
            throw new ArgumentException($"Record {index} has no topic.", nameof(record));
        }

        long size = Encoding.UTF8.GetByteCount(record.Key ?? string.Empty) + record.Value.Length;
        foreach (var (name, value) in record.Headers ?? EmptyHeaders)
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? string.Empty);
        }

        if (size > maxBytes)
        {
            throw new EventLogException(
                $"Record {index} for topic {record.Topic} is {size} bytes, over the limit of {maxBytes} bytes; nothing of the call was produced.")
            {
                IsTransient = false,
            };
        }
    }

    private static readonly Dictionary<string, string> EmptyHeaders = [];

    private static byte[] ArrayOf(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out var segment) && segment.Array is { } array && segment.Offset == 0 && segment.Count == array.Length
            ? array
            : value.ToArray();

    private static Headers? HeadersOf(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is not { Count: > 0 })
        {
            return null;
        }

        var result = new Headers();
        foreach (var (name, value) in headers)
        {
            result.Add(name, Encoding.UTF8.GetBytes(value ?? string.Empty));
        }

        return result;
    }

    /// <summary>Collects the delivery reports of one call; completes once every record has one.</summary>
    private sealed class DeliveryBatch(IReadOnlyList<OutgoingRecord> records)
    {
        private readonly TopicPartitionOffset[] _positions = new TopicPartitionOffset[records.Count];
        private readonly TaskCompletionSource<IReadOnlyList<TopicPartitionOffset>> _completion =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        private int _remaining = records.Count;
        private Error? _firstError;

        public Task<IReadOnlyList<TopicPartitionOffset>> Completion => _completion.Task;

        public Error? FirstError => Volatile.Read(ref _firstError);

        public Action<DeliveryReport<string, byte[]>> HandlerFor(int index) => report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
            }
            else
            {
                _positions[index] = new TopicPartitionOffset(records[index].Topic, report.Partition.Value, report.Offset.Value);
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _completion.TrySetResult(_positions);
            }
        };
    }
}
