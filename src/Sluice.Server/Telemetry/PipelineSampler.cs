using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Stages;

namespace Sluice.Server.Telemetry;

/// <summary>
/// Samples the pipeline every <see cref="LagOptions.LagInterval"/> in the API process and keeps the latest sample
/// (<see cref="Latest"/>): per stage of <see cref="StageCatalog.All"/> its group's lag on its input topic
/// (<see cref="IEventLog.GetLagAsync"/>), its retry group's lag on each retry tier, its parked dead letters; documents
/// by state and the newest unfinished ones from the status store. Readers (gauges, <c>/v1/pipeline</c>, estimates)
/// never reach the log or the stores themselves. Each part is read on its own: one that fails is left out of that
/// sample (logged once until it works again) and the others are still there.
/// </summary>
public sealed partial class PipelineSampler(
    IEventLog log,
    IStatusStore statuses,
    IDeadLetterStore deadLetters,
    IOptions<SluiceOptions> sluiceOptions,
    IOptions<LagOptions> options,
    TimeProvider time,
    ILogger<PipelineSampler> logger) : BackgroundService
{
    /// <summary>Unfinished documents a sample lists, at most.</summary>
    public const int InProgressLimit = 20;

    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sampled = new(0);
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private PipelineSample? _latest;

    /// <summary>The latest sample; null until the first one is taken.</summary>
    public PipelineSample? Latest => Volatile.Read(ref _latest);

    /// <summary>Takes a sample now (also what the background loop does each interval) and makes it the latest.</summary>
    public async Task<PipelineSample> SampleAsync(CancellationToken cancellationToken)
    {
        await _sampling.WaitAsync(cancellationToken);
        try
        {
            return await SampleOnceAsync(cancellationToken);
        }
        finally
        {
            _sampling.Release();
        }
    }

    private async Task<PipelineSample> SampleOnceAsync(CancellationToken cancellationToken)
    {
        var previous = Latest;
        var delays = sluiceOptions.Value.RetryDelayList;
        var now = time.GetUtcNow();
        var stages = new List<StageSample>();
        foreach (var stage in StageCatalog.All)
        {
            stages.Add(await SampleStageAsync(stage, delays, previous, now, cancellationToken));
        }

        var counts = await TryAsync("status counts", () => statuses.CountAsync(cancellationToken));
        var inProgress = await TryAsync("documents in progress", () => statuses.ListInProgressAsync(InProgressLimit, cancellationToken)) ?? [];
        var sample = new PipelineSample(now, options.Value.LagInterval, stages, counts, inProgress);
        Volatile.Write(ref _latest, sample);
        _sampled.Release();
        return sample;
    }

    /// <summary>Waits until a sample taken after this call satisfies <paramref name="condition"/> (for tests and tools).</summary>
    internal async Task<PipelineSample> WaitForAsync(Func<PipelineSample, bool> condition, CancellationToken cancellationToken)
    {
        var after = time.GetUtcNow();
        while (true)
        {
            if (Latest is { } sample && sample.At >= after && condition(sample))
            {
                return sample;
            }

            await _sampled.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LagInterval, time);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSampleFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        base.Dispose();
        _sampled.Dispose();
        _sampling.Dispose();
    }

    private async Task<StageSample> SampleStageAsync(
        StageDefinition stage, IReadOnlyList<TimeSpan> delays, PipelineSample? previous, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partitions = await TryAsync($"lag of {stage.Name}", () => log.GetLagAsync(stage.Name, [stage.InputTopic], cancellationToken));
        IReadOnlyDictionary<string, long>? retries = null;
        var tiers = stage.RetryDelays(delays).DistinctBy(d => Topics.Retry(stage.Name, d)).ToList();
        if (tiers.Count > 0)
        {
            var retryLag = await TryAsync(
                $"retries of {stage.Name}",
                () => log.GetLagAsync(StageRunner.RetryGroup(stage.Name), [.. tiers.Select(d => Topics.Retry(stage.Name, d))], cancellationToken));
            retries = retryLag is null
                ? null
                : tiers.ToDictionary(
                    d => Topics.DelayName(d),
                    d => retryLag.Where(p => p.Topic == Topics.Retry(stage.Name, d)).Sum(p => p.Lag),
                    StringComparer.Ordinal);
        }

        long? parked = null;
        if (stage.DeadLetterTopic is not null)
        {
            parked = await TryAsync<long?>($"dead letters of {stage.Name}", () => CountParkedAsync(stage.Name, cancellationToken));
        }

        var sample = new StageSample(stage, partitions, null, retries, parked, partitions?.Where(p => p.Lag > 0).Min(p => p.OldestUnreadAt));
        return sample with { ThroughputPerSecond = Throughput(previous, sample, now) };
    }

    private static double? Throughput(PipelineSample? previous, StageSample current, DateTimeOffset now)
    {
        if (previous?.Find(current.Stage.Name)?.Consumed is not { } before || current.Consumed is not { } after)
        {
            return null;
        }

        var seconds = (now - previous.At).TotalSeconds;
        return seconds > 0 && after >= before ? (after - before) / seconds : null;
    }

    private async Task<long?> CountParkedAsync(string stage, CancellationToken cancellationToken)
    {
        var newest = await deadLetters.ListAsync(stage, parkedOnly: true, limit: 1, before: null, tenant: null, cancellationToken);
        return newest.Count == 0 ? 0 : await deadLetters.CountParkedAsync(stage, newest[0].Id, tenant: null, cancellationToken);
    }

    /// <summary>Reads one part of the sample; default (null) when it fails, logged once until it works again.</summary>
    private async Task<T?> TryAsync<T>(string part, Func<Task<T>> read)
    {
        try
        {
            var value = await read();
            if (_failing.Remove(part))
            {
                LogPartRecovered(logger, part);
            }

            return value;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_failing.Add(part))
            {
                LogPartFailed(logger, part, ex);
            }

            return default;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not sample the {Part}; it is left out of the pipeline's metrics until it can be read again")]
    private static partial void LogPartFailed(ILogger logger, string part, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Sampling the {Part} works again")]
    private static partial void LogPartRecovered(ILogger logger, string part);

    [LoggerMessage(3, LogLevel.Warning, "Sampling the pipeline failed; trying again at the next interval")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
