using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly ILogger _logger = logger ?? NullLogger<StageRunner>.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentQueue<(TopicPartition Partition, long Offset)> _completions = new();
    private readonly OffsetTracker _tracker = new();
    private readonly HashSet<TopicPartition> _paused = [];

    public string StageName => stage.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var abandon = new CancellationTokenSource();
        await using var producer = log.CreateProducer();
        var processor = new RecordProcessor(stage, producer, options, _time, _logger);
        var lanes = new Channel<ConsumedRecord>[options.MaxParallelism];
        var laneTasks = new Task[lanes.Length];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Channel.CreateUnbounded<ConsumedRecord>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var reader = lanes[i].Reader;
            laneTasks[i] = Task.Run(() => RunLaneAsync(reader, processor, abandon.Token), CancellationToken.None);
        }

        var settings = new ConsumerSettings(stage.Name, [stage.InputTopic])
        {
            OnAssigned = partitions =>
            {
                if (partitions.Count > 0)
                {
                    RuntimeLog.Assigned(_logger, stage.Name, partitions.Count, Describe(partitions));
                }
            },
            OnRevoking = partitions =>
            {
                DrainCompletions();
                _paused.ExceptWith(partitions);
                var offsets = _tracker.Revoke(partitions);
                RuntimeLog.Revoked(_logger, stage.Name, partitions.Count, Describe(partitions), offsets.Count);
                return offsets;
            },
        };

        await using var consumer = log.CreateConsumer(settings);
        RuntimeLog.Started(_logger, stage.Name, stage.InputTopic, options.MaxParallelism);
        await PollLoopAsync(consumer, lanes, stoppingToken);

        foreach (var lane in lanes)
        {
            lane.Writer.TryComplete();
        }

        var drained = Task.WhenAll(laneTasks);
        if (await Task.WhenAny(drained, Task.Delay(options.DrainTimeout, _time, CancellationToken.None)) != drained)
        {
            await abandon.CancelAsync();
        }

        await drained;
        DrainCompletions();
        await CommitAsync(consumer, CancellationToken.None);
        RuntimeLog.Stopped(_logger, stage.Name, _tracker.TotalInFlight);
    }

    private async Task PollLoopAsync(IEventConsumer consumer, Channel<ConsumedRecord>[] lanes, CancellationToken stoppingToken)
    {
        var lastCommit = _time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                DrainCompletions();
                ResumeDrained(consumer);
                if (_time.GetElapsedTime(lastCommit) >= options.CommitInterval)
                {
                    await CommitAsync(consumer, stoppingToken);
                    lastCommit = _time.GetTimestamp();
                }

                var records = await consumer.PollAsync(options.MaxInFlightPerPartition, options.PollTimeout, stoppingToken);
                foreach (var record in records)
                {
                    var partition = record.TopicPartition;
                    _tracker.Start(partition, record.Offset);
                    var inFlight = _tracker.InFlight(partition);
                    if (inFlight >= options.MaxInFlightPerPartition && _paused.Add(partition))
                    {
                        consumer.Pause([partition]);
                        RuntimeLog.Paused(_logger, stage.Name, partition.ToString(), inFlight);
                    }

                    lanes[LaneOf(record.Key, lanes.Length)].Writer.TryWrite(record);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (EventLogException ex) when (ex.IsTransient)
            {
                var delay = TimeSpan.FromSeconds(1);
                RuntimeLog.LogUnavailable(_logger, ex, stage.Name, delay);
                await Task.Delay(delay, _time, CancellationToken.None);
            }
        }
    }

    private async Task RunLaneAsync(ChannelReader<ConsumedRecord> reader, RecordProcessor processor, CancellationToken abandon)
    {
        await foreach (var record in reader.ReadAllAsync(CancellationToken.None))
        {
            if (abandon.IsCancellationRequested)
            {
                continue;
            }

            if (await ProcessUntilSettledAsync(processor, record, abandon))
            {
                _completions.Enqueue((record.TopicPartition, record.Offset));
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
                RuntimeLog.LogUnavailable(_logger, ex, stage.Name, delay);
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

    private void DrainCompletions()
    {
        while (_completions.TryDequeue(out var done))
        {
            _tracker.Complete(done.Partition, done.Offset);
        }
    }

    private void ResumeDrained(IEventConsumer consumer)
    {
        if (_paused.Count == 0)
        {
            return;
        }

        var resumable = _paused.Where(p => _tracker.InFlight(p) < options.MaxInFlightPerPartition / 2 + 1).ToList();
        if (resumable.Count > 0)
        {
            _paused.ExceptWith(resumable);
            consumer.Resume(resumable);
        }
    }

    private async Task CommitAsync(IEventConsumer consumer, CancellationToken cancellationToken)
    {
        var offsets = _tracker.Committable();
        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            await consumer.CommitAsync(offsets, cancellationToken);
            _tracker.MarkCommitted(offsets);
        }
        catch (EventLogException ex) when (ex.IsTransient)
        {
            // Not committed now means redelivered later, never lost; the next interval tries again.
            RuntimeLog.LogUnavailable(_logger, ex, stage.Name, options.CommitInterval);
        }
    }

    private static string Describe(IReadOnlyCollection<TopicPartition> partitions) =>
        string.Join(", ", partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition));

    private static int LaneOf(string key, int lanes) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)lanes);
}
