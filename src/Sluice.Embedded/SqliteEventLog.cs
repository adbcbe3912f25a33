using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal;
using Sluice.Embedded.Internal.EventLog;

namespace Sluice.Embedded;

/// <summary>
/// The embedded event log: Kafka-shaped topics, partitions, offsets and consumer groups in one SQLite file
/// (WAL). Several processes on one machine may open the same file; they share topics, records and groups.
/// Produce calls are group-committed: concurrent calls share one durable transaction.
/// </summary>
public sealed class SqliteEventLog : IEventLog, IAsyncDisposable
{
    private readonly SqliteEventLogOptions _options;
    private readonly SqliteConnectionFactory _connections;
    private readonly TopicCatalog _catalog;
    private readonly ProduceSignal _signal;
    private readonly ProduceWriter _writer;
    private readonly RetentionSweeper _sweeper;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _retentionLoop;
    private int _disposed;

    public SqliteEventLog(IOptions<SqliteEventLogOptions> options, ILogger<SqliteEventLog>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Validator.ValidateObject(_options, new ValidationContext(_options), validateAllProperties: true);
        _logger = logger ?? NullLogger<SqliteEventLog>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _connections = new SqliteConnectionFactory(_options.Path, _options.Synchronous, _options.BusyTimeout, pooling: false);
        using (var connection = _connections.Open())
        {
            EventLogSchema.Initialize(connection);
        }

        _catalog = new TopicCatalog(_options);
        _signal = ProduceSignal.Acquire(_connections.FullPath);
        _writer = new ProduceWriter(_connections, _catalog, _signal, _options.ProduceQueueCapacity, _time, _logger);
        _sweeper = new RetentionSweeper(_connections, _options.MaxRetention, _time, _logger);
        _retentionLoop = RunRetentionAsync(_stopping.Token);
        EventLogLog.Opened(_logger, _connections.FullPath);
    }

    /// <summary>
    /// Raised (on the sweeping thread) when the hard retention cap (<see cref="SqliteEventLogOptions.MaxRetention"/>)
    /// deleted records a consumer group had not read. The sweep also logs it as an error; hosts hand it on to
    /// whatever makes it visible to operators (readiness, alerts). Handlers must be quick and must not throw.
    /// </summary>
    public event Action<RetentionLoss>? UnconsumedRecordsDeleted;

    /// <summary>Write transactions the producers committed so far (group commit puts many produce calls in one).</summary>
    internal long CommittedProduceBatches => _writer.CommittedBatches;

    public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var spec in topics)
        {
            TopicCatalog.ValidateSpec(spec);
        }

        try
        {
            using var connection = _connections.Open();
            var created = WriteTransaction.Run(connection, c =>
                topics.DistinctBy(spec => spec.Name, StringComparer.Ordinal).Where(spec => _catalog.Find(c, spec.Name) is null).Select(spec => _catalog.Create(c, spec)).ToList());
            foreach (var topic in created)
            {
                _catalog.Remember(topic);
                EventLogLog.TopicCreated(_logger, topic.Name, topic.Partitions);
            }
        }
        catch (SqliteException exception)
        {
            throw EventLogErrors.From(exception, "create topics");
        }

        return Task.CompletedTask;
    }

    public IEventProducer CreateProducer()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new SqliteEventProducer(_writer, _options.MaxRecordBytes);
    }

    public IEventConsumer CreateConsumer(ConsumerSettings settings)
    {
        ConsumerSettings.ThrowIfInvalid(settings);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new SqliteEventConsumer(settings, _connections, _catalog, _signal, _options, _time, _logger);
    }

    public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(topics);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            using var connection = _connections.Open();
            return Task.FromResult(LagReader.Read(connection, groupId, topics));
        }
        catch (SqliteException exception)
        {
            throw EventLogErrors.From(exception, "read consumer lag");
        }
    }

    /// <summary>
    /// Deletes records older than their topic's retention that every consumer group of the topic has read (and,
    /// past <see cref="SqliteEventLogOptions.MaxRetention"/>, unread ones too) now, instead of at the next periodic sweep.
    /// </summary>
    /// <returns>How many records were deleted.</returns>
    public Task<long> SweepRetentionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            return Task.FromResult(Sweep(cancellationToken));
        }
        catch (SqliteException exception)
        {
            throw EventLogErrors.From(exception, "delete expired records");
        }
    }

    /// <summary>Finishes pending produce calls and closes the file. Consumers are disposed by their owners.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _retentionLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _writer.DisposeAsync();
        ProduceSignal.Release(_connections.FullPath);
        _stopping.Dispose();
    }

    private long Sweep(CancellationToken cancellationToken)
    {
        var result = _sweeper.Sweep(cancellationToken);
        foreach (var lost in result.Unconsumed)
        {
            try
            {
                UnconsumedRecordsDeleted?.Invoke(lost);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                EventLogLog.UnreadHandlerFailed(_logger, exception);
            }
        }

        return result.Deleted;
    }

    private async Task RunRetentionAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RetentionCheckInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await Task.Run(() => Sweep(cancellationToken), cancellationToken);
            }
            catch (SqliteException exception)
            {
                EventLogLog.RetentionFailed(_logger, exception);
            }
        }
    }
}
