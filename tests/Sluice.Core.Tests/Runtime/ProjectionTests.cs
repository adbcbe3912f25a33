using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>A projection never commits past an event it has not applied: a failing store stalls it, visibly, until it recovers.</summary>
public class ProjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StageRunnerOptions Projection(ReadinessSignals readiness) => new()
    {
        IsProjection = true,
        ReportStatus = false,
        Readiness = readiness,
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public async Task AFailingStore_StallsTheProjectionFarPastMaxAttempts_ReportsNotReadyMeanwhile_AndItAppliesTheEventOnceTheStoreIsBack()
    {
        var readiness = new ReadinessSignals();
        var store = new FailingStore(failures: 20, readiness);
        var processor = new RecordProcessor(store, new RecordingEventLog().CreateProducer(), Projection(readiness), TimeProvider.System, NullLogger.Instance);

        Assert.True(await processor.ProcessAsync(TestRecords.Of(new StageStatusChanged("extract", StageState.Succeeded, 1)), Ct));

        Assert.Equal(21, store.Calls); // the default MaxAttempts (4) does not apply to a projection
        Assert.Equal(1, store.Applied);
        Assert.Equal(20, store.ProblemsSeen.Count); // every try after the first failure saw the process not ready
        Assert.All(store.ProblemsSeen, seen =>
        {
            Assert.Equal("s", seen.Component);
            Assert.Contains("s.in[0]@7", seen.Reason, StringComparison.Ordinal);
            Assert.Contains("IOException", seen.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain("disk I/O error", seen.Reason, StringComparison.Ordinal); // no exception text in what /readyz shows
        });
        Assert.True(readiness.IsReady, "the projection recovered: the process is ready again");
    }

    [Fact]
    public async Task AStalledProjection_StaysStalledUntilShutdown_AndDoesNotFinishTheRecord()
    {
        var readiness = new ReadinessSignals();
        var store = new FailingStore(failures: int.MaxValue, readiness);
        var processor = new RecordProcessor(store, new RecordingEventLog().CreateProducer(), Projection(readiness), TimeProvider.System, NullLogger.Instance);
        using var shutdown = new CancellationTokenSource();
        store.OnCall = calls =>
        {
            if (calls == 50)
            {
                shutdown.Cancel();
            }
        };

        Assert.False(await processor.ProcessAsync(TestRecords.Of(new StageStatusChanged("extract", StageState.Succeeded, 1)), shutdown.Token));
        Assert.Equal(0, store.Applied);
    }

    [Fact]
    public async Task AnEventThatCanNeverApply_IsSkippedAndCounted_WithoutStallingTheProjection()
    {
        var readiness = new ReadinessSignals();
        var store = new FailingStore(failures: 0, readiness);
        var processor = new RecordProcessor(store, new RecordingEventLog().CreateProducer(), Projection(readiness), TimeProvider.System, NullLogger.Instance);
        var skipped = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName && instrument.Name == "sluice.projection.skipped_events")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "stage" && (string?)t.Value == "s"))
            {
                Interlocked.Add(ref skipped, value);
            }
        });
        listener.Start();

        var notAnEvent = new Sluice.Core.Ports.ConsumedRecord("s.in", 0, 1, "doc-1", "not json"u8.ToArray(), new Dictionary<string, string>(), TestRecords.Now);
        Assert.True(await processor.ProcessAsync(notAnEvent, Ct));
        Assert.True(await processor.ProcessAsync(TestRecords.Of(new { Stage = 3 }, offset: 2), Ct));
        Assert.True(await processor.ProcessAsync(TestRecords.Of(new StageStatusChanged("extract", StageState.Succeeded, 1), offset: 3), Ct));

        Assert.Equal(2, Interlocked.Read(ref skipped));
        Assert.Equal(2, store.Calls); // the payload that does not deserialize was tried once, not retried
        Assert.Equal(1, store.Applied);
        Assert.Empty(store.ProblemsSeen);
        Assert.True(readiness.IsReady);
    }

    [Fact]
    public void AProjectionWithRetryTopics_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new StageRunner(
            new FailingStore(0, new ReadinessSignals()), new RecordingEventLog(),
            new StageRunnerOptions { IsProjection = true, RetryDelays = [TimeSpan.FromSeconds(10)] }));
        Assert.Contains("retry topics", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A projection stage over a store that throws for its first <c>failures</c> calls, as SQLite does when the disk is full.</summary>
    private sealed class FailingStore(int failures, ReadinessSignals readiness) : IStage
    {
        private int _calls;

        public int Calls => _calls;

        public int Applied { get; private set; }

        public List<ReadinessProblem> ProblemsSeen { get; } = [];

        public Action<int>? OnCall { get; set; }

        public string Name => "s";

        public string InputTopic => "s.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            var calls = Interlocked.Increment(ref _calls);
            OnCall?.Invoke(calls);
            ProblemsSeen.AddRange(readiness.Problems.Select(p => p with { Since = default }));
            context.Input.GetData<StageStatusChanged>();
            if (calls <= failures)
            {
                throw new IOException("disk I/O error");
            }

            Applied++;
            return Task.FromResult(StageResult.Success());
        }
    }
}
