using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Processing.Stages;

namespace Sluice.Server.Hosting;

/// <summary>
/// Creates Sluice's topics at start-up, before any stage starts consuming (hosted services start in order).
/// An event log that is not reachable yet (a Kafka cluster still starting) is waited for, with a warning
/// each time, so processes may start in any order.
/// </summary>
public sealed partial class TopicProvisioner(IEventLog log, IOptions<SluiceOptions> options, ILogger<TopicProvisioner> logger) : IHostedService
{
    /// <summary>How long records are kept; the status topic is also compacted past this age.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public bool IsReady { get; private set; }

    /// <summary>The default retry tiers (see <see cref="SluiceOptions.RetryDelays"/>).</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays => new SluiceOptions().RetryDelayList;

    /// <summary>
    /// Sluice's topic set with <paramref name="partitions"/> partitions each: the event topics, and each pipeline
    /// stage's retry topics (one per delay) and dead-letter topic.
    /// </summary>
    public static IReadOnlyList<TopicSpec> Specs(int partitions, TimeSpan? retention = null, IReadOnlyList<TimeSpan>? retryDelays = null)
    {
        var keep = retention ?? Retention;
        var stageTopics = StageNames.Pipeline.SelectMany(stage =>
            (retryDelays ?? DefaultRetryDelays).Select(d => Topics.Retry(stage, d)).Distinct().Append(Topics.DeadLetter(stage)));
        return
        [
            .. Topics.All.Select(t => new TopicSpec(t, partitions, keep) { Compacted = t == Topics.DocumentsStatus }),
            .. stageTopics.Select(t => new TopicSpec(t, partitions, keep)),
        ];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.AutoCreateTopics)
        {
            IsReady = true;
            return;
        }

        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await log.EnsureTopicsAsync(Specs(options.Value.Partitions, retryDelays: options.Value.RetryDelayList), cancellationToken);
                IsReady = true;
                return;
            }
            catch (EventLogException ex) when (ex.IsTransient)
            {
                LogWaiting(logger, ex.Message, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "The event log is not reachable yet ({Reason}); trying again in {Delay}")]
    private static partial void LogWaiting(ILogger logger, string reason, TimeSpan delay);
}
