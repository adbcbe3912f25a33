using Confluent.Kafka;

namespace Sluice.Kafka.Internal;

/// <summary>
/// The one librdkafka producer of a <see cref="KafkaEventLog"/>. A producer is thread-safe and owns threads and
/// a connection per broker; sharing it lets concurrent produce calls share batches (linger) and keeps one
/// idempotent sequence per partition. A producer that failed fatally (idempotence guarantees broken) accepts
/// nothing more, so it is replaced by a new one before the next call instead of wedging the log.
/// </summary>
internal sealed class SharedProducer(KafkaClients clients)
{
    private readonly Lock _gate = new();
    private Instance? _current;
    private bool _disposed;

    /// <summary>The live producer, created on first use and after a fatal error.</summary>
    public Instance Acquire()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is { IsFatal: false } current)
            {
                return current;
            }

            if (_current is { } failed)
            {
                KafkaLog.ProducerReplaced(clients.Logger);
                Retire(failed, flush: false);
            }

            _current = new Instance(clients);
            return _current;
        }
    }

    /// <summary>Whether an error means the producer is done for (librdkafka reports it as fatal, or as caused by a fatal error).</summary>
    public static bool IsFatal(Error error) => error.IsFatal || error.Code == ErrorCode.Local_Fatal;

    /// <summary>Flushes and closes the producer, waiting at most <see cref="KafkaOptions.CloseTimeout"/>.</summary>
    public async Task CloseAsync()
    {
        Instance? current;
        lock (_gate)
        {
            _disposed = true;
            current = _current;
            _current = null;
        }

        if (current is not null)
        {
            var closing = Retire(current, flush: true);
            if (await Task.WhenAny(closing, Task.Delay(clients.Options.CloseTimeout + TimeSpan.FromSeconds(1))) != closing)
            {
                KafkaLog.CloseAbandoned(clients.Logger, "producer", clients.Options.CloseTimeout);
            }
        }
    }

    /// <summary>Closes a producer on its own thread: librdkafka's flush and destroy block.</summary>
    private Task Retire(Instance instance, bool flush) => Task.Factory.StartNew(
        () =>
        {
            try
            {
                if (flush)
                {
                    instance.Producer.Flush(clients.Options.CloseTimeout);
                }

                instance.Producer.Dispose();
            }
            catch (KafkaException ex)
            {
                KafkaLog.CloseFailed(clients.Logger, "producer", ex);
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    public sealed class Instance
    {
        private volatile bool _fatal;

        public Instance(KafkaClients clients)
        {
            Producer = new ProducerBuilder<string, byte[]>(clients.Producer())
                .SetLogHandler((_, message) => clients.OnLog(message))
                .SetErrorHandler((_, error) =>
                {
                    clients.OnError("producer", error);
                    if (IsFatal(error))
                    {
                        _fatal = true;
                    }
                })
                .Build();
        }

        public IProducer<string, byte[]> Producer { get; }

        public bool IsFatal => _fatal;

        public void MarkFatal() => _fatal = true;
    }
}
