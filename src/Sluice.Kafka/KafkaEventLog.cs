using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Ports;
using Sluice.Kafka.Internal;

namespace Sluice.Kafka;

/// <summary>
/// The event log on Apache Kafka. Producers are idempotent with <c>acks=all</c> (a produce call returns once
/// every record is replicated, and retries never duplicate); keys map to partitions as with Java clients;
/// group members use cooperative rebalancing, store offsets only when asked to commit, and commit what
/// <see cref="ConsumerSettings.OnRevoking"/> returns before a partition moves. Every topic name and group id
/// carries <see cref="KafkaOptions.TopicPrefix"/> on the wire.
/// </summary>
public sealed class KafkaEventLog : IEventLog, IAsyncDisposable
{
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(30);

    private readonly KafkaClients _clients;
    private readonly SharedProducer _producer;
    private readonly Lazy<IAdminClient> _admin;
    private readonly KafkaLagReader _lag;
    private readonly ILogger _logger;
    private int _disposed;

    public KafkaEventLog(KafkaOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        NativeLibrdkafka.EnsureLoaded();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KafkaEventLog>();
        _clients = new KafkaClients(options, _logger);
        _producer = new SharedProducer(_clients);
        _admin = new Lazy<IAdminClient>(() => new AdminClientBuilder(_clients.Admin())
            .SetLogHandler((_, message) => _clients.OnLog(message))
            .SetErrorHandler((_, error) => _clients.OnError("admin", error))
            .Build());
        _lag = new KafkaLagReader(_clients, () => _admin.Value);
    }

    /// <summary>Records read so far by <see cref="GetLagAsync"/> to learn the oldest unread records' times.</summary>
    internal long LagRecordsRead => _lag.RecordsRead;

    /// <summary>The shared producer's current client (replaced after a fatal error).</summary>
    internal IProducer<string, byte[]> CurrentProducer => _producer.Acquire().Producer;

    public async Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        foreach (var spec in topics)
        {
            if (string.IsNullOrWhiteSpace(spec.Name) || spec.Partitions < 1)
            {
                throw new ArgumentException($"Topic spec {spec} needs a name and at least one partition.", nameof(topics));
            }
        }

        var existing = await Blocking(() => ExistingTopics(), cancellationToken);
        var missing = topics.DistinctBy(t => t.Name, StringComparer.Ordinal).Where(t => !existing.Contains(_clients.Wire(t.Name))).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        try
        {
            await _admin.Value.CreateTopicsAsync(
                missing.Select(ToSpecification),
                new CreateTopicsOptions { RequestTimeout = AdminTimeout, OperationTimeout = AdminTimeout }).WaitAsync(cancellationToken);
            foreach (var spec in missing)
            {
                KafkaLog.TopicCreated(_logger, _clients.Wire(spec.Name), spec.Partitions);
            }
        }
        catch (CreateTopicsException ex)
        {
            // Another process may have created a topic in between: that is success too.
            var failed = ex.Results.FirstOrDefault(r => r.Error.IsError && r.Error.Code != ErrorCode.TopicAlreadyExists);
            if (failed is not null)
            {
                throw KafkaErrors.Admin($"create topic {failed.Topic}", failed.Error, ex);
            }
        }
        catch (KafkaException ex)
        {
            throw KafkaErrors.Admin("create topics", ex.Error, ex);
        }
    }

    public IEventProducer CreateProducer()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new KafkaEventProducer(_producer, _clients);
    }

    public IEventConsumer CreateConsumer(ConsumerSettings settings)
    {
        ConsumerSettings.ThrowIfInvalid(settings);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new KafkaEventConsumer(settings, _clients);
    }

    public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _lag.ReadAsync(groupId, topics, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _lag.Dispose();
        await _producer.CloseAsync();
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }

    private HashSet<string> ExistingTopics()
    {
        try
        {
            // All topics, not the wanted ones: asking a broker about a topic by name may auto-create it.
            var metadata = _admin.Value.GetMetadata(AdminTimeout);
            return metadata.Topics
                .Where(t => t.Error.Code != ErrorCode.UnknownTopicOrPart)
                .Select(t => t.Topic)
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (KafkaException ex)
        {
            throw KafkaErrors.Admin("read the cluster's topics", ex.Error, ex);
        }
    }

    internal TopicSpecification ToSpecification(TopicSpec spec)
    {
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Retention is { } retention)
        {
            configs["retention.ms"] = ((long)retention.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        if (spec.Compacted)
        {
            configs["cleanup.policy"] = "compact";
            if (spec.Retention is { } lag)
            {
                // Nothing younger than the retention is ever compacted away.
                configs["min.compaction.lag.ms"] = ((long)lag.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            }
        }

        return new TopicSpecification
        {
            Name = _clients.Wire(spec.Name),
            NumPartitions = spec.Partitions,
            ReplicationFactor = _clients.Options.ReplicationFactor,
            Configs = configs,
        };
    }

    /// <summary>Runs a blocking admin call on its own thread, not on a thread-pool thread.</summary>
    private static Task<T> Blocking<T>(Func<T> call, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(call, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
