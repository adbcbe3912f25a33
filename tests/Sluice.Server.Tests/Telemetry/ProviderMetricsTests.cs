using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Processing;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>The providers' instruments say what the guard and the embedder did.</summary>
public sealed class ProviderMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public ProviderMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new ProviderMetrics(factory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => _measurements.Enqueue((i.Name, v, t.ToArray())));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => _measurements.Enqueue((i.Name, v, t.ToArray())));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => _measurements.Enqueue((i.Name, v, t.ToArray())));
        _listener.Start();
    }

    private ProviderMetrics Metrics { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheCircuitGauge_IsOne_WhileTheGuardsCircuitIsOpen()
    {
        using var guard = new ProviderGuard(
            "The test endpoint",
            new ProviderGuardOptions { MinimumThroughput = 3, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(5) },
            name: "llm",
            metrics: Metrics);
        Assert.Equal([0.0], Circuit("llm"));

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ProviderException>(() => guard.ExecuteAsync<int>(_ => throw new ProviderException("the endpoint answered 503"), Ct));
        }

        var refused = await Assert.ThrowsAsync<ProviderException>(() => guard.ExecuteAsync(_ => Task.FromResult(1), Ct));
        Assert.True(refused.IsCircuitOpen);
        Assert.Equal([1.0], Circuit("llm"));

        guard.Dispose();
        Assert.Empty(Circuit("llm")); // a disposed guard is no longer shown
    }

    [Fact]
    public async Task ACallThatFindsNoFreeSlot_IsCountedAsARateLimitedWait()
    {
        using var guard = new ProviderGuard(
            "The test endpoint", new ProviderGuardOptions { MaxConcurrency = 1, QueueLimit = 4 }, name: "embedder", metrics: Metrics);
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = guard.ExecuteAsync(_ => release.Task, Ct);
        Assert.Equal(0, Sum("sluice.provider.rate_limited_waits", "sluice.provider", "embedder"));

        var second = guard.ExecuteAsync(_ => Task.FromResult(2), Ct);
        release.SetResult(1);

        var results = await Task.WhenAll(first, second);
        Assert.Equal(new[] { 1, 2 }, results);
        Assert.Equal(1, Sum("sluice.provider.rate_limited_waits", "sluice.provider", "embedder"));
    }

    [Fact]
    public async Task TheEmbedder_CountsItsBatchesAndTexts_AndTimesEachBatch()
    {
        using var embedder = new OnnxMiniLmEmbedder(new OnnxEmbedderOptions(), Metrics);

        await embedder.EmbedAsync(["one text", "another text", "a third one", "four", "five"], Ct);
        await embedder.EmbedAsync(["six", "seven", "eight"], Ct);

        Assert.Equal(2, Sum("sluice.embedder.batches", "gen_ai.request.model", "all-MiniLM-L6-v2"));
        Assert.Equal(8, Sum("sluice.embedder.texts", "gen_ai.request.model", "all-MiniLM-L6-v2"));
        Assert.Equal(2, _measurements.Count(m => m.Instrument == "sluice.embedder.batch.duration" && m.Value > 0));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private double[] Circuit(string provider)
    {
        var before = _measurements.Count;
        _listener.RecordObservableInstruments();
        return [.. _measurements.Skip(before).Where(m => m.Instrument == "sluice.provider.circuit_open"
            && m.Tags.Any(t => t.Key == "sluice.provider" && Equals(t.Value, provider))).Select(m => m.Value)];
    }

    private double Sum(string instrument, string key, string value)
        => _measurements.Where(m => m.Instrument == instrument && m.Tags.Any(t => t.Key == key && Equals(t.Value, value))).Sum(m => m.Value);
}
