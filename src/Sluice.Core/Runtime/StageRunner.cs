using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Runtime;

/// <summary>
/// Runs one stage as a member of the stage's consumer group.
/// <list type="bullet">
/// <item>The poll loop never blocks on work: records go to <see cref="StageRunnerOptions.MaxParallelism"/>
/// lanes (one key always maps to one lane, so a document's events stay in order); a partition with too much
/// work in flight is paused and resumed once drained, while polling goes on.</item>
/// <item>A record counts as finished only after the stage's outputs and status were acknowledged by the log;
/// only the contiguous prefix of finished offsets is committed.</item>
/// <item>On shutdown, in-flight work may finish for <see cref="StageRunnerOptions.DrainTimeout"/>; the rest is
/// abandoned uncommitted and redelivered to whoever consumes the partition next.</item>
/// </list>
/// </summary>
public sealed class StageRunner(
    IStage stage,
    IEventLog log,
    StageRunnerOptions options,
    ILogger<StageRunner>? logger = null,
    TimeProvider? timeProvider = null) : BackgroundService
{
    private readonly IStage _stage = stage;
    private readonly IEventLog _log = log;
    private readonly StageRunnerOptions _options = Validated(options);
    private readonly ILogger _logger = logger ?? NullLogger<StageRunner>.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long _circuitPausedUntil;

    public string StageName => _stage.Name;

    /// <summary>
    /// The consumer group of the stage's retry topics. It is separate from the stage's own group so that
    /// partition assignment balances the input topic across members on its own: in one group, an assignor
    /// that balances partition counts could hand one member the whole input topic and another only retries.
    /// </summary>
    public static string RetryGroup(string stage) => stage + ".retries";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var abandon = new CancellationTokenSource();
        await using var producer = _log.CreateProducer();
        var processor = new RecordProcessor(_stage, producer, _options, _time, _logger, PauseConsumption);
        var lanes = new Channel<(ConsumedRecord Record, Member From)>[_options.MaxParallelism];
        var laneTasks = new Task[lanes.Length];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Channel.CreateUnbounded<(ConsumedRecord, Member)>(new UnboundedChannelOptions { SingleReader = true });
            var reader = lanes[i].Reader;
            laneTasks[i] = Task.Run(() => RunLaneAsync(reader, processor, abandon.Token), CancellationToken.None);
        }

        var members = new List<Member>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        try
        {
            // Created inside the try: if the second member cannot be created, the first is still closed (and the lanes end).
            members.Add(new Member(this, _stage.Name, [_stage.InputTopic]));
            var retryTopics = _options.RetryDelays.Select(d => Topics.Retry(_stage.Name, d)).Distinct().ToList();
            if (retryTopics.Count > 0)
            {
                members.Add(new Member(this, RetryGroup(_stage.Name), retryTopics));
            }

            RuntimeLog.Started(_logger, _stage.Name, _stage.InputTopic, _options.MaxParallelism);

            // A member whose loop fails stops the other too: the stage then stops as a whole.
            await Task.WhenAll(members.Select(async m =>
            {
                try
                {
                    await m.PollLoopAsync(lanes, stop.Token);
                }
                catch
                {
                    await stop.CancelAsync();
                    throw;
                }
            }));
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Writer.TryComplete();
            }

            var drained = Task.WhenAll(laneTasks);
            if (await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout, _time, CancellationToken.None)) != drained)
            {
                await abandon.CancelAsync();
            }

            await drained;
            var abandoned = 0;
            foreach (var member in members)
            {
                abandoned += await member.CloseAsync();
            }

            RuntimeLog.Stopped(_logger, _stage.Name, abandoned);
        }
    }

    private async Task RunLaneAsync(ChannelReader<(ConsumedRecord Record, Member From)> reader, RecordProcessor processor, CancellationToken abandon)
    {
        await foreach (var (record, from) in reader.ReadAllAsync(CancellationToken.None))
        {
            if (abandon.IsCancellationRequested)
            {
                continue;
            }

            if (await ProcessUntilSettledAsync(processor, record, abandon))
            {
                from.Completed(record);
            }
        }
    }

    /// <summary>
    /// An unexpected failure of the runtime itself (not of the stage) is retried, never skipped: skipping
    /// would lose the record, and leaving it unfinished would wedge the partition's commits.
    /// </summary>
    private async Task<bool> ProcessUntilSettledAsync(RecordProcessor processor, ConsumedRecord record, CancellationToken abandon)
    {
        while (true)
        {
            try
            {
                return await processor.ProcessAsync(record, abandon);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var delay = TimeSpan.FromSeconds(1);
                RuntimeLog.LogUnavailable(_logger, ex, _stage.Name, delay);
                try
                {
                    await Task.Delay(delay, _time, abandon);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Called from a lane when the provider's circuit is open: stop taking records until it may close.</summary>
    private void PauseConsumption(TimeSpan pause)
    {
        var until = _time.GetTimestamp() + (long)(pause.TotalSeconds * _time.TimestampFrequency);
        long current;
        do
        {
            current = Interlocked.Read(ref _circuitPausedUntil);
            if (current >= until)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _circuitPausedUntil, until, current) != current);
    }

    private static StageRunnerOptions Validated(StageRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsProjection && options.RetryDelays.Count > 0)
        {
            throw new ArgumentException("A projection retries in place, in its topic's order; it cannot have retry topics.", nameof(options));
        }

        return options;
    }

    private static DateTimeOffset NotBefore(ConsumedRecord record)
        => record.Headers.TryGetValue(Headers.NotBefore, out var value)
           && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : DateTimeOffset.MinValue;

    private static string Describe(IReadOnlyCollection<TopicPartition> partitions) =>
        string.Join(", ", partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition));

    private static int LaneOf(string key, int lanes) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)lanes);

    /// <summary>One consumer-group member of the stage with its own offsets, pauses and held retries.</summary>
    private sealed class Member
    {
        private readonly StageRunner _runner;
        private readonly ConcurrentQueue<(TopicPartition Partition, long Offset)> _completions = new();
        private readonly OffsetTracker _tracker = new();
        private readonly HashSet<TopicPartition> _paused = [];
        private readonly HashSet<TopicPartition> _pausedInConsumer = [];
        private readonly Dictionary<TopicPartition, Queue<ConsumedRecord>> _held = [];
        private readonly IEventConsumer _consumer;

        public Member(StageRunner runner, string group, IReadOnlyList<string> topics)
        {
            _runner = runner;
            var logger = runner._logger;
            var name = runner._stage.Name;
            _consumer = runner._log.CreateConsumer(new ConsumerSettings(group, topics)
            {
                OnAssigned = partitions =>
                {
                    if (partitions.Count > 0)
                    {
                        RuntimeLog.Assigned(logger, name, partitions.Count, Describe(partitions));
                    }
                },
                OnRevoking = partitions =>
                {
                    DrainCompletions();
                    _paused.ExceptWith(partitions);
                    var pausedBefore = _pausedInConsumer.Count;
                    _pausedInConsumer.ExceptWith(partitions);
                    runner._options.Metrics.PausedPartitions(name, _pausedInConsumer.Count - pausedBefore);
                    foreach (var partition in partitions)
                    {
                        _held.Remove(partition); // not handled, not committed: the next owner gets them again
                    }

                    var offsets = _tracker.Revoke(partitions);
                    RuntimeLog.Revoked(logger, name, partitions.Count, Describe(partitions), offsets.Count);
                    return offsets;
                },
            });
        }

        private StageRunnerOptions Options => _runner._options;

        /// <summary>Called from a lane: the record is finished (outputs acknowledged).</summary>
        public void Completed(ConsumedRecord record) => _completions.Enqueue((record.TopicPartition, record.Offset));

        public async Task PollLoopAsync(Channel<(ConsumedRecord Record, Member From)>[] lanes, CancellationToken stoppingToken)
        {
            var time = _runner._time;
            var lastCommit = time.GetTimestamp();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    DrainCompletions();
                    if (_paused.Count > 0)
                    {
                        _paused.RemoveWhere(p => _tracker.InFlight(p) < Options.MaxInFlightPerPartition / 2 + 1);
                    }

                    if (time.GetElapsedTime(lastCommit) >= Options.CommitInterval)
                    {
                        await CommitAsync(stoppingToken);
                        lastCommit = time.GetTimestamp();
                    }

                    ReleaseDue(lanes);
                    SyncPauses();
                    if (Options.Foreground is { } foreground)
                    {
                        await foreground.WaitForIdleAsync(Options.MaxYield, stoppingToken);
                    }

                    var records = await _consumer.PollAsync(Options.MaxInFlightPerPartition, Options.PollTimeout, stoppingToken);
                    foreach (var record in records)
                    {
                        var partition = record.TopicPartition;
                        _tracker.Start(partition, record.Offset);
                        var inFlight = _tracker.InFlight(partition);
                        if (inFlight >= Options.MaxInFlightPerPartition && _paused.Add(partition))
                        {
                            RuntimeLog.Paused(_runner._logger, _runner._stage.Name, partition.ToString(), inFlight);
                        }

                        if (_held.TryGetValue(partition, out var waiting) || NotBefore(record) > time.GetUtcNow())
                        {
                            // A retry that is not due yet: hold it (and what follows it) and pause its partition until then.
                            if (waiting is null)
                            {
                                _held[partition] = waiting = new Queue<ConsumedRecord>();
                            }

                            waiting.Enqueue(record);
                            continue;
                        }

                        lanes[LaneOf(record.Key, lanes.Length)].Writer.TryWrite((record, this));
                    }

                    SyncPauses();
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (EventLogException ex) when (ex.IsTransient)
                {
                    var delay = TimeSpan.FromSeconds(1);
                    RuntimeLog.LogUnavailable(_runner._logger, ex, _runner._stage.Name, delay);
                    await Task.Delay(delay, time, CancellationToken.None);
                }
            }
        }

        /// <summary>Commits what finished, leaves the group; returns how many records were left unfinished.</summary>
        public async Task<int> CloseAsync()
        {
            try
            {
                DrainCompletions();
                await CommitAsync(CancellationToken.None);
                return _tracker.TotalInFlight;
            }
            finally
            {
                Options.Metrics.PausedPartitions(_runner._stage.Name, -_pausedInConsumer.Count);
                _pausedInConsumer.Clear();
                await _consumer.DisposeAsync();
            }
        }

        private void DrainCompletions()
        {
            while (_completions.TryDequeue(out var done))
            {
                _tracker.Complete(done.Partition, done.Offset);
            }
        }

        /// <summary>Hands held retries to their lanes once due, in partition order.</summary>
        private void ReleaseDue(Channel<(ConsumedRecord Record, Member From)>[] lanes)
        {
            if (_held.Count == 0)
            {
                return;
            }

            var now = _runner._time.GetUtcNow();
            foreach (var (partition, waiting) in _held.ToList())
            {
                while (waiting.TryPeek(out var head) && NotBefore(head) <= now)
                {
                    lanes[LaneOf(head.Key, lanes.Length)].Writer.TryWrite((waiting.Dequeue(), this));
                }

                if (waiting.Count == 0)
                {
                    _held.Remove(partition);
                }
            }
        }

        /// <summary>
        /// Makes the consumer's paused set match the reasons to pause: too much in flight, retries held until due,
        /// or the provider's circuit open (every partition).
        /// </summary>
        private void SyncPauses()
        {
            var circuitOpen = _runner._time.GetTimestamp() < Interlocked.Read(ref _runner._circuitPausedUntil);
            var pause = new List<TopicPartition>();
            var resume = new List<TopicPartition>();
            foreach (var partition in _consumer.Assignment)
            {
                var wanted = circuitOpen || _paused.Contains(partition) || _held.ContainsKey(partition);
                if (wanted && _pausedInConsumer.Add(partition))
                {
                    pause.Add(partition);
                }
                else if (!wanted && _pausedInConsumer.Remove(partition))
                {
                    resume.Add(partition);
                }
            }

            if (pause.Count > 0)
            {
                _consumer.Pause(pause);
            }

            if (resume.Count > 0)
            {
                _consumer.Resume(resume);
            }

            Options.Metrics.PausedPartitions(_runner._stage.Name, pause.Count - resume.Count);
        }

        private async Task CommitAsync(CancellationToken cancellationToken)
        {
            var offsets = _tracker.Committable();
            if (offsets.Count == 0)
            {
                return;
            }

            try
            {
                await _consumer.CommitAsync(offsets, cancellationToken);
                _tracker.MarkCommitted(offsets);
            }
            catch (EventLogException ex) when (ex.IsTransient)
            {
                // Not committed now means redelivered later, never lost; the next interval tries again.
                RuntimeLog.LogUnavailable(_runner._logger, ex, _runner._stage.Name, Options.CommitInterval);
            }
        }
    }
}
