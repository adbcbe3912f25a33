using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>
/// A consumer group member over the SQLite log. Group work (heartbeat, rebalance) happens inside
/// <see cref="PollAsync"/>, before any fetch, so a member that lost its session never fetches again without
/// first finding out. Partitions lost because this member's session expired are reported through
/// <see cref="ConsumerSettings.OnRevoking"/> too, but the offsets it returns are not committed: another member
/// may already own them.
/// </summary>
internal sealed class SqliteEventConsumer : IEventConsumer
{
    private readonly ConsumerSettings _settings;
    private readonly SqliteConnectionFactory _connections;
    private readonly TopicCatalog _catalog;
    private readonly ProduceSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _pollInterval;
    private readonly long _sessionTimeoutMs;
    private readonly string _memberId;
    private readonly Dictionary<TopicPartition, long?> _positions = [];
    private readonly HashSet<TopicPartition> _pending = [];
    private readonly HashSet<TopicPartition> _paused = [];
    private readonly Dictionary<TopicPartition, long> _ends = [];
    private SqliteConnection? _connection;
    private GroupCoordinator? _group;
    private RecordFetcher? _fetcher;
    private long _generation = -1;
    private long _nextHeartbeatMs;
    private int _fetchCursor;
    private bool _disposed;

    public SqliteEventConsumer(
        ConsumerSettings settings,
        SqliteConnectionFactory connections,
        TopicCatalog catalog,
        ProduceSignal signal,
        SqliteEventLogOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _settings = settings;
        _connections = connections;
        _catalog = catalog;
        _signal = signal;
        _time = time;
        _logger = logger;
        _pollInterval = options.PollInterval;
        _sessionTimeoutMs = (long)options.SessionTimeout.TotalMilliseconds;
        _memberId = settings.InstanceId ?? $"{Environment.ProcessId}-{Guid.NewGuid():N}";
    }

    public string GroupId => _settings.GroupId;

    public IReadOnlyCollection<TopicPartition> Assignment => [.. _positions.Keys];

    public async Task<IReadOnlyList<ConsumedRecord>> PollAsync(int maxRecords, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must not be negative.");
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = _signal.Next;
            var records = Guard(() =>
            {
                Maintain();
                return Fetch(maxRecords);
            }, "poll");
            if (records.Count > 0)
            {
                return records;
            }

            var wait = _pollInterval;
            if (timeout != Timeout.InfiniteTimeSpan)
            {
                var remaining = timeout - Stopwatch.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return [];
                }

                wait = remaining < wait ? remaining : wait;
            }

            await wake.WaitAsync(wait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Pause(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var tp in partitions)
        {
            if (_positions.ContainsKey(tp))
            {
                _paused.Add(tp);
            }
        }
    }

    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        _paused.ExceptWith(partitions);
    }

    public Task CommitAsync(IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var owned = offsets.Where(o => _positions.ContainsKey(o.TopicPartition)).ToList();
        if (owned.Count > 0 && _group is { } group)
        {
            Guard(() =>
            {
                group.CommitAndRelease(owned, []);
                return 0;
            }, "commit offsets");
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        try
        {
            if (_group is { Joined: true } group)
            {
                var owned = _positions.Keys.ToList();
                var offsets = owned.Count > 0 ? _settings.OnRevoking?.Invoke(owned) ?? [] : [];
                group.Leave(offsets);
                if (owned.Count > 0)
                {
                    EventLogLog.Revoked(_logger, _memberId, GroupId, string.Join(", ", owned));
                }
            }
        }
        catch (SqliteException exception)
        {
            EventLogLog.LeaveFailed(_logger, _memberId, GroupId, exception);
        }
        finally
        {
            _positions.Clear();
            _fetcher?.Dispose();
            _group?.Dispose();
            _connection?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Heartbeats and rebalances when due: on a new generation, at the heartbeat interval, or while partitions are pending.</summary>
    private void Maintain()
    {
        if (_group is null)
        {
            _connection = _connections.Open();
            _fetcher = new RecordFetcher(_connection, _settings.Topics);
            _group = new GroupCoordinator(
                _connection, _catalog, GroupId, _memberId, _settings.Topics, _sessionTimeoutMs, _time, _logger);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_group.Joined && _pending.Count == 0 && now < _nextHeartbeatMs && _group.ReadGeneration() == _generation)
        {
            return;
        }

        var view = _group.Heartbeat();
        _generation = view.Generation;
        _nextHeartbeatMs = now + Math.Max(_sessionTimeoutMs / 3, 1);
        Rebalance(view);
    }

    private void Rebalance(GroupView view)
    {
        var group = _group!;
        var target = RoundRobinAssignor.AssignmentOf(_memberId, view.Members, view.PartitionCounts);

        var lost = _positions.Keys
            .Where(tp => !view.Owners.TryGetValue(tp, out var owner) || !string.Equals(owner, _memberId, StringComparison.Ordinal))
            .ToList();
        if (lost.Count > 0)
        {
            Drop(lost);
            EventLogLog.Lost(_logger, _memberId, GroupId, string.Join(", ", lost));
            _settings.OnRevoking?.Invoke(lost);
        }

        var revoked = _positions.Keys.Where(tp => !target.Contains(tp)).ToList();
        if (revoked.Count > 0)
        {
            var offsets = _settings.OnRevoking?.Invoke(revoked) ?? [];
            group.CommitAndRelease(offsets.Where(o => revoked.Contains(o.TopicPartition)), revoked);
            Drop(revoked);
            EventLogLog.Revoked(_logger, _memberId, GroupId, string.Join(", ", revoked));
        }

        _pending.Clear();
        var wanted = target.Where(tp => !_positions.ContainsKey(tp)).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var acquired = group.Acquire(wanted);
        foreach (var (tp, committed) in acquired)
        {
            _positions[tp] = committed;
        }

        _pending.UnionWith(wanted.Where(tp => !acquired.ContainsKey(tp)));
        if (acquired.Count > 0)
        {
            EventLogLog.Assigned(_logger, _memberId, GroupId, string.Join(", ", acquired.Keys));
            _settings.OnAssigned?.Invoke([.. acquired.Keys]);
        }
    }

    private void Drop(IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            _positions.Remove(tp);
            _paused.Remove(tp);
        }
    }

    private List<ConsumedRecord> Fetch(int maxRecords)
    {
        var records = new List<ConsumedRecord>();
        var active = _positions.Keys.Where(tp => !_paused.Contains(tp))
            .OrderBy(tp => tp.Topic, StringComparer.Ordinal).ThenBy(tp => tp.Partition).ToList();
        if (active.Count == 0)
        {
            return records;
        }

        // One query for where every partition ends, then a query only for a partition with records past this
        // member's position: an idle member's poll costs one small read, not one per partition (dozens per stage).
        _fetcher!.Ends(_ends);
        var start = _fetchCursor++ % active.Count;
        for (var i = 0; i < active.Count && records.Count < maxRecords; i++)
        {
            var tp = active[(start + i) % active.Count];
            var position = _positions[tp] ?? 0;
            var known = _ends.TryGetValue(tp, out var end);
            if (known && end <= position)
            {
                continue;
            }

            var next = _fetcher.Fetch(tp, position, maxRecords - records.Count, records);

            // Read nothing below a committed end: retention deleted those records, so there is nothing to read before it.
            _positions[tp] = known && next == position ? end : next;
        }

        return records;
    }

    private static T Guard<T>(Func<T> action, string operation)
    {
        try
        {
            return action();
        }
        catch (SqliteException exception)
        {
            throw EventLogErrors.From(exception, operation);
        }
    }
}
