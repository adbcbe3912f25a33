using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Core.Runtime.Internal;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Runtime;

/// <summary>Each way the runtime can finish with a record is counted under its own outcome, timed, and leaves nothing in flight.</summary>
public sealed class PipelineMetricsTests : IDisposable
{
    private static readonly TimeSpan[] OneTier = [TimeSpan.FromSeconds(10)];

    private readonly OwnMeterFactory _factory = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly MeterListener _listener = new();

    public PipelineMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, _factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => _measurements.Enqueue((i.Name, v, ToDictionary(t))));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => _measurements.Enqueue((i.Name, v, ToDictionary(t))));
        _listener.Start();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, bool, string?, string> Outcomes => new()
    {
        { "success", true, null, "succeeded" },
        { "transient", true, null, "retried" },
        { "transient", true, "1", "dead_lettered" }, // the last tier was the previous attempt
        { "permanent", true, null, "dead_lettered" },
        { "permanent", false, null, "failed" },
        { "poison", false, null, "skipped" },
        { "poison", true, null, "dead_lettered" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task EachOutcome_IsCountedOnce_AndTimed(string result, bool retryTopics, string? previousAttempts, string outcome)
    {
        var processor = Processor(new FixedStage(result), retryTopics ? OneTier : []);
        var record = result == "poison" ? Poison() : TestRecords.Of(new { Step = 1 });
        if (previousAttempts is not null)
        {
            record = record with { Headers = new Dictionary<string, string>(record.Headers) { [Headers.Attempts] = previousAttempts } };
        }

        Assert.True(await processor.ProcessAsync(record, Ct));

        var counted = Assert.Single(_measurements, m => m.Instrument == "sluice.stage.records");
        Assert.Equal(1, counted.Value);
        Assert.Equal("s", counted.Tags["sluice.stage"]);
        Assert.Equal(outcome, counted.Tags["outcome"]);
        var timed = Assert.Single(_measurements, m => m.Instrument == "sluice.stage.duration");
        Assert.Equal(outcome, timed.Tags["outcome"]);
        Assert.True(timed.Value >= 0);
        Assert.Equal(0, InFlight());
    }

    [Fact]
    public async Task ARecordInHand_IsInFlight_AndOneHandedBackOnShutdown_IsNotCounted()
    {
        var stage = new BlockingStage();
        var processor = Processor(stage, OneTier);
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var processing = processor.ProcessAsync(TestRecords.Of(new { Step = 1 }), shutdown.Token);
        await stage.Entered.Task.WaitAsync(Ct);
        Assert.Equal(1, InFlight());
        await shutdown.CancelAsync();

        Assert.False(await processing);
        Assert.Equal(0, InFlight());
        Assert.DoesNotContain(_measurements, m => m.Instrument is "sluice.stage.records" or "sluice.stage.duration");
    }

    public void Dispose()
    {
        _listener.Dispose();
        _factory.Dispose();
    }

    private RecordProcessor Processor(IStage stage, TimeSpan[] retryDelays)
        => new(stage, new RecordingEventLog().CreateProducer(),
            new StageRunnerOptions { RetryDelays = retryDelays, Metrics = new PipelineMetrics(_factory) }, TimeProvider.System, NullLogger.Instance);

    private double InFlight() => _measurements.Where(m => m.Instrument == "sluice.stage.in_flight").Sum(m => m.Value);

    private static ConsumedRecord Poison()
        => new("s.in", 0, 3, "doc-1", Encoding.UTF8.GetBytes("not json"), new Dictionary<string, string>(), TestRecords.Now);

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var all = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            all[tag.Key] = tag.Value;
        }

        return all;
    }

    /// <summary>Meters of this test alone: the listener tells them apart from every other test's by this scope.</summary>
    private sealed class OwnMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    private sealed class FixedStage(string result) : IStage
    {
        public string Name => "s";

        public string InputTopic => "s.in";

        public Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(result switch
            {
                "success" => StageResult.Success(),
                "transient" => StageResult.Transient("503 from the provider"),
                _ => StageResult.Permanent("not a document"),
            });
    }

    private sealed class BlockingStage : IStage
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "s";

        public string InputTopic => "s.in";

        public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return StageResult.Success();
        }
    }
}
