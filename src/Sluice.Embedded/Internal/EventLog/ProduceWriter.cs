using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// Group commit: produce calls queue in a bounded channel; one loop takes whatever is waiting and writes it
/// in one transaction, then acknowledges every call of the batch. A call's records are never split across
/// transactions. The loop has a thread of its own: it blocks in SQLite and in fsync, and on the thread pool its
/// next turn would queue behind the very requests waiting for it.
/// </summary>
internal sealed class ProduceWriter : IAsyncDisposable
{
    private const int MaxBatchRequests = 1_000;
    private const long MaxBatchBytes = 16L * 1024 * 1024;

    private readonly Channel<ProduceRequest> _queue;
    private readonly SqliteConnectionFactory _connections;
    private readonly TopicCatalog _catalog;
    private readonly ProduceSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private readonly WalCheckpointer _checkpointer;
    private long _committedBatches;

    public ProduceWriter(
        SqliteConnectionFactory connections,
        TopicCatalog catalog,
        ProduceSignal signal,
        int capacity,
        TimeProvider time,
        ILogger logger)
    {
        _connections = connections;
        _catalog = catalog;
        _signal = signal;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<ProduceRequest>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _checkpointer = new WalCheckpointer(connections.Open, "sluice-log-checkpoint");
        var loop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop = loop.Task;
        new Thread(() =>
        {
            try
            {
                Run();
                loop.TrySetResult();
            }
            catch (Exception exception)
            {
                loop.TrySetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "sluice-log-writer",
        }.Start();
    }

    /// <summary>Transactions committed so far (each holds one or more produce calls).</summary>
    public long CommittedBatches => Interlocked.Read(ref _committedBatches);

    public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SqliteEventLog));
        }

        return await request.Completion.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _checkpointer.Dispose();
    }

    private void Run()
    {
        var batch = new List<ProduceRequest>();
        SqliteConnection? connection = null;
        try
        {
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                long bytes = 0;
                while (batch.Count < MaxBatchRequests && bytes < MaxBatchBytes && _queue.Reader.TryRead(out var request))
                {
                    if (request.CancellationToken.IsCancellationRequested)
                    {
                        request.Cancel();
                        continue;
                    }

                    batch.Add(request);
                    bytes += request.Bytes;
                }

                if (batch.Count > 0)
                {
                    connection ??= TryOpen(batch);
                    if (connection is not null && !WriteBatch(connection, batch))
                    {
                        connection.Dispose();
                        connection = null;
                    }

                    batch.Clear();
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection? TryOpen(List<ProduceRequest> batch)
    {
        try
        {
            var connection = _connections.Open();
            WalCheckpointer.Prepare(connection);
            return connection;
        }
        catch (SqliteException exception)
        {
            EventLogLog.BatchFailed(_logger, batch.Count, exception);
            var failure = EventLogErrors.From(exception, "open the log file");
            foreach (var request in batch)
            {
                request.Fail(failure);
            }

            return null;
        }
    }

    /// <summary>Writes and acknowledges a batch; returns false when the connection should be reopened.</summary>
    private bool WriteBatch(SqliteConnection connection, List<ProduceRequest> batch)
    {
        var results = new TopicPartitionOffset[]?[batch.Count];
        var errors = new Exception?[batch.Count];
        var created = new List<TopicInfo>();
        try
        {
            WriteTransaction.Run(connection, c => Append(c, batch, results, errors, created));
        }
        catch (Exception exception) when (exception is SqliteException or InvalidOperationException)
        {
            EventLogLog.BatchFailed(_logger, batch.Count, exception);
            var failure = exception is SqliteException sqlite
                ? EventLogErrors.From(sqlite, "commit the produced records")
                : new EventLogException("The event log could not commit the produced records.", exception);
            foreach (var request in batch)
            {
                request.Fail(failure);
            }

            return false;
        }

        Interlocked.Increment(ref _committedBatches);
        _checkpointer.Committed(connection);
        foreach (var topic in created)
        {
            _catalog.Remember(topic);
            EventLogLog.TopicCreated(_logger, topic.Name, topic.Partitions);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is { } error)
            {
                batch[i].Fail(error);
            }
            else
            {
                batch[i].Complete(results[i]!);
            }
        }

        _signal.Pulse();
        return true;
    }

    private int Append(
        SqliteConnection connection,
        List<ProduceRequest> batch,
        TopicPartitionOffset[]?[] results,
        Exception?[] errors,
        List<TopicInfo> created)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var topics = new Dictionary<string, TopicInfo>(StringComparer.Ordinal);
        var nextOffsets = new Dictionary<TopicPartition, long>();

        using var readNext = connection.CreateCommand();
        readNext.CommandText = "SELECT next_offset FROM partitions WHERE topic = $topic AND partition = $partition;";
        var readTopic = readNext.Parameters.Add("$topic", SqliteType.Text);
        var readPartition = readNext.Parameters.Add("$partition", SqliteType.Integer);

        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO records (topic, partition, offset, key, value, headers, timestamp_ms)
            VALUES ($topic, $partition, $offset, $key, $value, $headers, $timestamp);
            """;
        var topic = insert.Parameters.Add("$topic", SqliteType.Text);
        var partition = insert.Parameters.Add("$partition", SqliteType.Integer);
        var offset = insert.Parameters.Add("$offset", SqliteType.Integer);
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var value = insert.Parameters.Add("$value", SqliteType.Blob);
        var headers = insert.Parameters.Add("$headers", SqliteType.Text);
        insert.Parameters.AddWithValue("$timestamp", timestamp);

        for (var i = 0; i < batch.Count; i++)
        {
            var records = batch[i].Records;
            var infos = new TopicInfo[records.Length];
            try
            {
                for (var r = 0; r < records.Length; r++)
                {
                    infos[r] = ResolveTopic(connection, records[r].Topic, topics, created);
                }
            }
            catch (EventLogException exception)
            {
                errors[i] = exception;
                continue;
            }

            var offsets = new TopicPartitionOffset[records.Length];
            for (var r = 0; r < records.Length; r++)
            {
                var record = records[r];
                var tp = new TopicPartition(record.Topic, Murmur2Partitioner.Partition(record.Key, infos[r].Partitions));
                if (!nextOffsets.TryGetValue(tp, out var next))
                {
                    readTopic.Value = tp.Topic;
                    readPartition.Value = tp.Partition;
                    next = readNext.ExecuteScalar() is long stored
                        ? stored
                        : throw new InvalidOperationException($"Partition {tp} is missing from the event log file.");
                }

                topic.Value = tp.Topic;
                partition.Value = tp.Partition;
                offset.Value = next;
                key.Value = record.Key;
                value.Value = record.Value;
                headers.Value = (object?)record.Headers ?? DBNull.Value;
                insert.ExecuteNonQuery();

                offsets[r] = new TopicPartitionOffset(tp.Topic, tp.Partition, next);
                nextOffsets[tp] = next + 1;
            }

            results[i] = offsets;
        }

        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE partitions SET next_offset = $next WHERE topic = $topic AND partition = $partition;";
        var updateNext = update.Parameters.Add("$next", SqliteType.Integer);
        var updateTopic = update.Parameters.Add("$topic", SqliteType.Text);
        var updatePartition = update.Parameters.Add("$partition", SqliteType.Integer);
        foreach (var (tp, next) in nextOffsets)
        {
            updateNext.Value = next;
            updateTopic.Value = tp.Topic;
            updatePartition.Value = tp.Partition;
            update.ExecuteNonQuery();
        }

        return nextOffsets.Count;
    }

    private TopicInfo ResolveTopic(SqliteConnection connection, string name, Dictionary<string, TopicInfo> topics, List<TopicInfo> created)
    {
        if (topics.TryGetValue(name, out var known))
        {
            return known;
        }

        var (info, isNew) = _catalog.Resolve(connection, name);
        topics[name] = info;
        if (isNew)
        {
            created.Add(info);
        }

        return info;
    }
}
