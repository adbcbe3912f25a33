using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sluice.Processing;

/// <summary>
/// The AI providers' instruments (meter <c>Sluice.Providers</c>): whether each guarded provider's circuit is open, how
/// often a call had to queue for a concurrency slot or a rate-limit token, the embedder's batches, texts and batch
/// times, and the LLM's tokens. Hosts create one through their <see cref="IMeterFactory"/>; <see cref="Shared"/> serves
/// providers built without one (tools, tests).
/// </summary>
public sealed class ProviderMetrics
{
    public const string MeterName = "Sluice.Providers";

    private readonly ConcurrentDictionary<ProviderGuard, string> _guards = new();
    private readonly Counter<long> _rateLimitedWaits;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _texts;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _tokens;

    /// <summary>Instruments on a meter of their own, for providers built without a meter factory.</summary>
    public static ProviderMetrics Shared { get; } = new(new Meter(MeterName));

    public ProviderMetrics(IMeterFactory meterFactory)
        : this((meterFactory ?? throw new ArgumentNullException(nameof(meterFactory))).Create(MeterName))
    {
    }

    private ProviderMetrics(Meter meter)
    {
        meter.CreateObservableGauge(
            "sluice.provider.circuit_open", ObserveCircuits, unit: "1",
            description: "1 while the provider's circuit is open (calls are refused without being sent), else 0.");
        _rateLimitedWaits = meter.CreateCounter<long>(
            "sluice.provider.rate_limited_waits", unit: "{wait}",
            description: "Calls that found no free concurrency slot or rate-limit token and queued for one.");
        _batches = meter.CreateCounter<long>("sluice.embedder.batches", unit: "{batch}", description: "Calls to the embedding model.");
        _texts = meter.CreateCounter<long>("sluice.embedder.texts", unit: "{text}", description: "Texts embedded (its rate is texts per second).");
        _batchDuration = meter.CreateHistogram<double>(
            "sluice.embedder.batch.duration", unit: "s", description: "How long one call to the embedding model took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _tokens = meter.CreateCounter<long>(
            "sluice.llm.tokens", unit: "{token}", description: "Tokens the LLM read and wrote, as its responses report them.");
    }

    /// <summary>Shows <paramref name="guard"/>'s circuit under <paramref name="provider"/> until it is disposed.</summary>
    internal void Track(ProviderGuard guard, string provider) => _guards[guard] = provider;

    internal void Untrack(ProviderGuard guard) => _guards.TryRemove(guard, out _);

    /// <summary>Whether anyone listens to the waits (looking for a free slot costs an allocation otherwise spared).</summary>
    internal bool CountsWaits => _rateLimitedWaits.Enabled;

    internal void RateLimitedWait(string provider)
        => _rateLimitedWaits.Add(1, new KeyValuePair<string, object?>("sluice.provider", provider));

    /// <summary>One call to the embedding model, of <paramref name="texts"/> texts, finished (or failed) after <paramref name="elapsed"/>.</summary>
    internal void EmbedderBatch(string model, int texts, TimeSpan elapsed, bool succeeded)
    {
        var tags = new TagList { { "gen_ai.request.model", model } };
        if (!succeeded)
        {
            tags.Add("error.type", "failed");
        }

        _batches.Add(1, tags);
        if (succeeded)
        {
            _texts.Add(texts, tags);
        }

        _batchDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Tokens one LLM response reports having read and written.</summary>
    internal void LlmTokens(string model, long? input, long? output)
    {
        if (input is > 0)
        {
            _tokens.Add(input.Value, new TagList { { "gen_ai.request.model", model }, { "gen_ai.token.type", "input" } });
        }

        if (output is > 0)
        {
            _tokens.Add(output.Value, new TagList { { "gen_ai.request.model", model }, { "gen_ai.token.type", "output" } });
        }
    }

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        foreach (var (guard, provider) in _guards)
        {
            yield return new Measurement<int>(guard.IsCircuitOpen ? 1 : 0, new KeyValuePair<string, object?>("sluice.provider", provider));
        }
    }
}
