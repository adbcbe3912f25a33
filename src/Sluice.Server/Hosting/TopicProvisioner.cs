using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Server.Hosting;

/// <summary>
/// Creates Sluice's topics in the background, so that the process starts (and answers <c>/healthz</c> and
/// <c>/readyz</c>) while the event log is still unreachable. An event log that is not reachable yet (a Kafka
/// cluster still starting) is waited for, with a warning each time, so processes may start in any order. What
/// consumes or publishes waits for <see cref="Provisioned"/>: stage runners and projections are started only
/// after it (see <see cref="StartAfterProvisioning"/>), and uploads are refused with 503 until then.
/// </summary>
public sealed partial class TopicProvisioner(
    IEventLog log, IOptions<SluiceOptions> options, TimeProvider time, ILogger<TopicProvisioner> logger) : BackgroundService
{
    /// <summary>How long records are kept; the status topic is also compacted past this age.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(15);

    private readonly TaskCompletionSource _provisioned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string _state = "The event log's topics are not provisioned yet (first attempt in progress).";

    /// <summary>Whether the topics exist (or are managed elsewhere: <see cref="SluiceOptions.AutoCreateTopics"/> off).</summary>
    public bool IsReady => _provisioned.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Completes once the topics exist. Faults when provisioning failed for good (the host then stops), and is
    /// cancelled when the host stops first.
    /// </summary>
    public Task Provisioned => _provisioned.Task;

    /// <summary>Where provisioning stands, for operators: no exception text, no addresses, no secrets.</summary>
    public string State => _state;

    /// <summary>The default retry tiers (see <see cref="SluiceOptions.RetryDelays"/>).</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetryDelays => new SluiceOptions().RetryDelayList;

    /// <summary>
    /// Sluice's topic set with <paramref name="partitions"/> partitions each, as the stage catalogue derives it
    /// (<see cref="StageCatalog.TopicSpecs"/>): the event topics, and each pipeline stage's retry topics (one per delay)
    /// and dead-letter topic.
    /// </summary>
    public static IReadOnlyList<TopicSpec> Specs(int partitions, TimeSpan? retention = null, IReadOnlyList<TimeSpan>? retryDelays = null)
        => StageCatalog.TopicSpecs(partitions, retention ?? Retention, retryDelays ?? DefaultRetryDelays);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ProvisionAsync(stoppingToken);
            _state = options.Value.AutoCreateTopics
                ? "The event log's topics are provisioned."
                : "Topics are managed outside Sluice (Sluice:AutoCreateTopics is off).";
            _provisioned.TrySetResult();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _provisioned.TrySetCanceled(stoppingToken);
        }
        catch (Exception ex)
        {
            // Not transient (refused, misconfigured): waiting would not help. Failing stops the host, as a failed
            // start did before provisioning moved to the background.
            _state = "The event log refused to provision the topics; see the log.";
            LogFailed(logger, ex);
            _provisioned.TrySetException(ex);
            throw;
        }
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.AutoCreateTopics)
        {
            return;
        }

        var specs = Specs(options.Value.Partitions, retryDelays: options.Value.RetryDelayList);
        var delay = FirstDelay;
        var waitingSince = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await log.EnsureTopicsAsync(specs, cancellationToken);
                if (attempt > 1)
                {
                    LogProvisioned(logger, attempt);
                }

                return;
            }
            catch (EventLogException ex) when (ex.IsTransient)
            {
                _state = $"The event log is not reachable: its topics are not provisioned yet ({attempt} attempt(s) since "
                         + $"{waitingSince:u}; next in {delay.TotalSeconds:0} s).";
                LogWaiting(logger, ex.Message, delay);
                await Task.Delay(delay, cancellationToken); // wall-clock pacing against an outside system, also under a fake clock
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestDelay.Ticks));
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The event log is not reachable yet ({Reason}); trying again in {Delay}")]
    private static partial void LogWaiting(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Information, "The event log's topics are provisioned (after {Attempts} attempts); stages start now")]
    private static partial void LogProvisioned(ILogger logger, int attempts);

    [LoggerMessage(3, LogLevel.Critical, "The event log's topics could not be provisioned; the process stops")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
