using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>What a stage reports on the status topic when an attempt fails, waits for a retry, or meets an open circuit.</summary>
public class RecordProcessorStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ATransientFailure_ParksTheRecordOnTheRetryTopic_AndReportsRetrying_UntilTheSameNotBefore()
    {
        var log = new RecordingEventLog();
        var stage = new ScriptedStage(StageResult.Transient("the LLM failed: 429 Too Many Requests", retryAfter: TimeSpan.FromSeconds(30)));
        var processor = Processor(stage, log, new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)] }, new FixedTime(Now));

        Assert.True(await processor.ProcessAsync(Input(), Ct));

        var statuses = Statuses(log);
        Assert.Equal([StageState.Running, StageState.Retrying], statuses.Select(s => s.State));
        var retrying = statuses[1];
        Assert.Equal(1, retrying.Attempt);
        Assert.Equal(Now.AddSeconds(30), retrying.NextAttemptAt); // the provider's Retry-After, longer than the tier
        Assert.Equal("the LLM failed: 429 Too Many Requests", retrying.Error);
        Assert.Equal("transient", retrying.ErrorType);
        var parked = Assert.Single(log.Produced, r => r.Topic == Topics.Retry("s", TimeSpan.FromSeconds(10)));
        Assert.Equal(Now.AddSeconds(30).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), parked.Headers![Headers.NotBefore]);
    }

    [Fact]
    public async Task AnExceptionTheStageDidNotClassify_ShowsOnlyItsType_ItsMessageGoesToTheLog()
    {
        const string Internal = "could not open /srv/sluice/secret-share/blob.bin on db-7.internal";
        var log = new RecordingEventLog();
        var logger = new LinesLogger();
        var processor = new RecordProcessor(
            new ThrowingStage(new IOException(Internal)), log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] },
            new FixedTime(Now), logger);

        Assert.True(await processor.ProcessAsync(Input(), Ct));

        var retrying = Statuses(log)[1];
        Assert.Equal(StageState.Retrying, retrying.State);
        Assert.DoesNotContain(Internal, retrying.Error, StringComparison.Ordinal);
        Assert.Contains("IOException", retrying.Error, StringComparison.Ordinal);
        var parked = Assert.Single(log.Produced, r => r.Topic == Topics.Retry("s", TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(Internal, parked.Headers![Headers.ErrorMessage], StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains(Internal, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheRetriedDelivery_IsTheNextAttempt_AndReportsRunningThenSucceeded()
    {
        var log = new RecordingEventLog();
        var processor = Processor(new ScriptedStage(StageResult.Success()), log, new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] }, new FixedTime(Now));

        Assert.True(await processor.ProcessAsync(Input(new Dictionary<string, string> { [Headers.Attempts] = "1" }), Ct));

        var statuses = Statuses(log);
        Assert.Equal([StageState.Running, StageState.Succeeded], statuses.Select(s => s.State));
        Assert.All(statuses, s => Assert.Equal(2, s.Attempt));
        Assert.All(statuses, s => Assert.Null(s.NextAttemptAt));
    }

    [Fact]
    public async Task TheLastTier_Exhausted_ReportsDeadLetteredWithItsErrorType_NotRetrying()
    {
        var log = new RecordingEventLog();
        var processor = Processor(new ScriptedStage(StageResult.Transient("503")), log, new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] }, new FixedTime(Now));

        Assert.True(await processor.ProcessAsync(Input(new Dictionary<string, string> { [Headers.Attempts] = "1" }), Ct));

        var statuses = Statuses(log);
        Assert.Equal([StageState.Running, StageState.DeadLettered], statuses.Select(s => s.State));
        Assert.Equal("transient", statuses[1].ErrorType);
        Assert.Single(log.Produced, r => r.Topic == Topics.DeadLetter("s"));
    }

    [Fact]
    public async Task AnOpenCircuit_IsNeitherAFailureNorANewAttempt_ItShowsAsAWaitAndTheSameAttemptGoesOnAfterThePause()
    {
        var log = new RecordingEventLog();
        var open = new ProviderException("the circuit is open") { IsCircuitOpen = true, RetryAfter = TimeSpan.FromMilliseconds(50) };
        var stage = new ScriptedStage(StageResult.Transient("the LLM failed: the circuit is open", open, open.RetryAfter), StageResult.Success());
        var pauses = new List<TimeSpan>();
        var processor = new RecordProcessor(
            stage, log.CreateProducer(), new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] }, TimeProvider.System,
            NullLogger.Instance, pauses.Add);

        Assert.True(await processor.ProcessAsync(Input(), Ct));

        var statuses = Statuses(log);
        Assert.Equal([StageState.Running, StageState.Retrying, StageState.Running, StageState.Succeeded], statuses.Select(s => s.State));
        Assert.All(statuses, s => Assert.Equal(1, s.Attempt));
        Assert.Equal([false, false, true, false], statuses.Select(s => s.Resumed));
        Assert.Equal("the circuit is open", statuses[1].Error);
        Assert.Equal("transient", statuses[1].ErrorType);
        Assert.NotNull(statuses[1].NextAttemptAt);
        Assert.Equal(4, Ids(log).Distinct().Count()); // the resumption is not mistaken for the attempt's first Running
        Assert.Equal([1, 1], stage.Attempts);
        Assert.Equal([TimeSpan.FromMilliseconds(50)], pauses);
        Assert.DoesNotContain(log.Produced, r => r.Topic != Topics.DocumentsStatus);
    }

    [Fact]
    public async Task WithoutRetryTopics_AWaitInPlace_IsReportedAsRetryingToo()
    {
        var log = new RecordingEventLog();
        var stage = new ScriptedStage(StageResult.Transient("timeout"), StageResult.Success());
        var options = new StageRunnerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(20) };
        var before = DateTimeOffset.UtcNow;
        var processor = Processor(stage, log, options, TimeProvider.System);

        Assert.True(await processor.ProcessAsync(Input(), Ct));

        var statuses = Statuses(log);
        Assert.Equal([StageState.Running, StageState.Retrying, StageState.Running, StageState.Succeeded], statuses.Select(s => s.State));
        Assert.Equal([1, 1, 2, 2], statuses.Select(s => s.Attempt));
        Assert.InRange(statuses[1].NextAttemptAt!.Value, before, DateTimeOffset.UtcNow);
        Assert.Equal("timeout", statuses[1].Error);
    }

    [Fact]
    public async Task AReplay_ReportsUnderNewEventIds_WhileARedeliveryRepeatsTheSameOnes()
    {
        var options = new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] };
        async Task<List<string>> StatusIdsAsync(Dictionary<string, string>? headers)
        {
            var log = new RecordingEventLog();
            await Processor(new ScriptedStage(StageResult.Transient("503")), log, options, new FixedTime(Now)).ProcessAsync(Input(headers), Ct);
            return [.. log.Produced.Where(r => r.Topic == Topics.DocumentsStatus).Select(r => EventEnvelope.Parse(r.Value.Span).Id)];
        }

        var first = await StatusIdsAsync(null);
        var redelivered = await StatusIdsAsync(null);
        var replayed = await StatusIdsAsync(new Dictionary<string, string> { [Headers.ReplayCount] = "1" });
        var replayedAgain = await StatusIdsAsync(new Dictionary<string, string> { [Headers.ReplayCount] = "2" });

        Assert.Equal(2, first.Count);
        Assert.Equal(first, redelivered);
        Assert.Empty(first.Intersect(replayed));
        Assert.Empty(replayed.Intersect(replayedAgain));
    }

    [Fact]
    public async Task TheStageStartsWhileRunningIsBeingAcknowledged_AndNothingOfTheAttemptOvertakesRunning()
    {
        var producer = new HeldFirstProducer();
        var time = new FakeTimeProvider(Now);
        var options = new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)] };
        var stage = new ProgressingStage(time, [options.ProgressInterval]);
        var processor = new RecordProcessor(stage, producer, options, time, NullLogger.Instance);

        var processing = processor.ProcessAsync(Input(), Ct);

        // The log has not acknowledged "running" yet, and the stage is already at work (it used to wait for it).
        await stage.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(producer.FirstAcknowledged);
        Assert.False(processing.IsCompleted);
        Assert.Single(producer.Produced);

        producer.Release();
        Assert.True(await processing);

        // Progress and success were produced only after "running" was acknowledged, in this order.
        var statuses = producer.Produced.Where(r => r.Topic == Topics.DocumentsStatus).Select(r => EventEnvelope.Parse(r.Value.Span).GetData<StageStatusChanged>()).ToList();
        Assert.Equal([(StageState.Running, (double?)null), (StageState.Running, 1), (StageState.Succeeded, null)], statuses.Select(s => (s.State, s.Progress)));
    }

    [Fact]
    public async Task Progress_IsReportedOnceAnIntervalIntoTheAttempt_AndAtMostOncePerInterval()
    {
        var log = new RecordingEventLog();
        var time = new FakeTimeProvider(Now);
        var options = new StageRunnerOptions { RetryDelays = [TimeSpan.FromSeconds(10)], ProgressInterval = TimeSpan.FromSeconds(1) };

        // Reports at 0 s (too early: nothing), 1 s (reported), 1.5 s (too soon after: nothing), 2.5 s (reported).
        var stage = new ProgressingStage(time, [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)]);
        var processor = new RecordProcessor(stage, log.CreateProducer(), options, time, NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(Input(), Ct));

        Assert.Equal(
            [(StageState.Running, (double?)null), (StageState.Running, 0.5), (StageState.Running, 1), (StageState.Succeeded, null)],
            Statuses(log).Select(s => (s.State, s.Progress)));
    }

    private static List<string> Ids(RecordingEventLog log)
        => [.. log.Produced.Where(r => r.Topic == Topics.DocumentsStatus).Select(r => EventEnvelope.Parse(r.Value.Span).Id)];

    private static RecordProcessor Processor(IStage stage, RecordingEventLog log, StageRunnerOptions options, TimeProvider time)
        => new(stage, log.CreateProducer(), options, time, NullLogger.Instance);

    private static ConsumedRecord Input(Dictionary<string, string>? headers = null)
    {
        var envelope = EventEnvelope.Create("s.in", "default", "doc-1", new { Step = 1 }, "event-1", Now);
        var record = EventRecords.ToRecord("s.in", envelope);
        var all = new Dictionary<string, string>(record.Headers!, StringComparer.Ordinal);
        foreach (var (name, value) in headers ?? [])
        {
            all[name] = value;
        }

        return new ConsumedRecord("s.in", 0, 7, record.Key, record.Value, all, Now);
    }

    private static List<StageStatusChanged> Statuses(RecordingEventLog log)
        => [.. log.Produced.Where(r => r.Topic == Topics.DocumentsStatus).Select(r => EventEnvelope.Parse(r.Value.Span).GetData<StageStatusChanged>())];

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Answers each call with the next scripted result (the last one repeats), and remembers the attempts it saw.</summary>
    private sealed class ThrowingStage(Exception exception) : IStage
    {
        public string Name => "s";

        public string InputTopic => "s.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default) => throw exception;
    }

    /// <summary>Each log line with its exception, as text.</summary>
    private sealed class LinesLogger : Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(
            Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
            => Lines.Enqueue($"{formatter(state, exception)} {exception}");
    }

    private sealed class ScriptedStage(params StageResult[] results) : IStage
    {
        private int _calls;

        public string Name => "s";

        public string InputTopic => "s.in";

        public List<int> Attempts { get; } = [];

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Attempts.Add(context.Attempt);
            return Task.FromResult(results[Math.Min(_calls++, results.Length - 1)]);
        }
    }

    /// <summary>
    /// Reports that it started; then, for each of <paramref name="steps"/>, lets that much time pass and reports progress
    /// (0.25, 0.5, 0.75, 1 of four steps); then succeeds.
    /// </summary>
    private sealed class ProgressingStage(FakeTimeProvider time, TimeSpan[] steps) : IStage
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "s";

        public string InputTopic => "s.in";

        public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            for (var i = 0; i < steps.Length; i++)
            {
                time.Advance(steps[i]);
                await context.ReportProgressAsync((i + 1.0) / steps.Length, cancellationToken);
            }

            return StageResult.Success();
        }
    }

    /// <summary>Keeps what is produced, in order; acknowledges its first produce only once released, the others at once.</summary>
    private sealed class HeldFirstProducer : IEventProducer
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private int _calls;

        public List<OutgoingRecord> Produced { get; } = [];

        public bool FirstAcknowledged { get; private set; }

        public void Release() => _release.TrySetResult();

        public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
        {
            bool first;
            lock (_lock)
            {
                first = _calls++ == 0;
                Produced.AddRange(records);
            }

            if (first)
            {
                await _release.Task.WaitAsync(cancellationToken);
                FirstAcknowledged = true;
            }

            return [.. records.Select((r, i) => new TopicPartitionOffset(r.Topic, 0, i))];
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
