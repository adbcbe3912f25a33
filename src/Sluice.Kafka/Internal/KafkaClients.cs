using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Kafka.Internal;

/// <summary>Client configurations, wire names (<see cref="KafkaOptions.TopicPrefix"/>) and librdkafka's logging.</summary>
internal sealed class KafkaClients(KafkaOptions options, ILogger logger)
{
    /// <summary>Room for the record framing librdkafka counts on top of key, value and headers.</summary>
    private const int FramingAllowance = 64 * 1024;

    public KafkaOptions Options => options;

    public ILogger Logger => logger;

    public string Wire(string topic) => options.TopicPrefix + topic;

    public string Logical(string wireTopic) =>
        options.TopicPrefix.Length > 0 && wireTopic.StartsWith(options.TopicPrefix, StringComparison.Ordinal)
            ? wireTopic[options.TopicPrefix.Length..]
            : wireTopic;

    public Confluent.Kafka.TopicPartition Wire(Core.Ports.TopicPartition partition) => new(Wire(partition.Topic), partition.Partition);

    public Core.Ports.TopicPartition Logical(Confluent.Kafka.TopicPartition partition) => new(Logical(partition.Topic), partition.Partition.Value);

    public ProducerConfig Producer()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = "sluice-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            BatchNumMessages = 10_000,
            CompressionType = CompressionType.Lz4,
            MessageTimeoutMs = Milliseconds(options.DeliveryTimeout),
            MessageMaxBytes = (int)Math.Min(1_000_000_000L, Math.Max(1_000_000L, (long)options.MaxMessageBytes + FramingAllowance)),

            // Java clients' partitioner: one key maps to the same partition from any client (and the embedded log).
            Partitioner = Partitioner.Murmur2Random,
            DeliveryReportFields = "status",
        };
        return Finish(config);
    }

    public ConsumerConfig Consumer(ConsumerSettings settings)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = "sluice-consumer",
            GroupId = options.TopicPrefix + settings.GroupId,
            GroupInstanceId = settings.InstanceId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            MaxPollIntervalMs = Milliseconds(options.MaxPollInterval),
        };
        if (string.Equals(options.GroupProtocol, "consumer", StringComparison.OrdinalIgnoreCase))
        {
            // KIP-848: the broker assigns partitions and owns the session settings; classic-only properties are refused.
            config.Set("group.protocol", "consumer");
        }
        else
        {
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
            config.SessionTimeoutMs = Milliseconds(options.SessionTimeout);
            config.HeartbeatIntervalMs = Math.Clamp(Milliseconds(options.SessionTimeout) / 3, 100, 3000);
        }

        return Finish(config);
    }

    /// <summary>
    /// A consumer outside any group that reads single records where it is told to (the oldest unread record of a
    /// partition, for consumer lag): it never commits, and fetches little at a time. The client insists on a group
    /// id, but one that only assigns partitions itself and never commits never joins or creates that group.
    /// </summary>
    public ConsumerConfig LagReader() => Finish(new ConsumerConfig
    {
        BootstrapServers = options.BootstrapServers,
        ClientId = "sluice-lag-reader",
        GroupId = options.TopicPrefix + "sluice-lag-reader",
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        EnablePartitionEof = false,
        MaxPartitionFetchBytes = 64 * 1024,
        FetchMaxBytes = 1024 * 1024,
        QueuedMaxMessagesKbytes = 4096,
    });

    public AdminClientConfig Admin() => Finish(new AdminClientConfig { BootstrapServers = options.BootstrapServers, ClientId = "sluice-admin" });

    /// <summary>Routes librdkafka's own log lines to the logger instead of the console.</summary>
    public void OnLog(LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        KafkaLog.Librdkafka(logger, level, message.Name, message.Facility, message.Message);
    }

    public void OnError(string client, Error error)
    {
        if (error.IsFatal)
        {
            KafkaLog.FatalError(logger, client, error.Reason, error.Code.ToString());
        }
        else
        {
            KafkaLog.ClientError(logger, client, error.Reason, error.Code.ToString());
        }
    }

    private T Finish<T>(T config)
        where T : ClientConfig
    {
        config.Set("log_level", "4"); // warnings and up; the rest is noise for an application log
        foreach (var (key, value) in options.Properties)
        {
            config.Set(key, value);
        }

        return config;
    }

    private static int Milliseconds(TimeSpan span) => (int)Math.Clamp(span.TotalMilliseconds, 1, int.MaxValue);
}
