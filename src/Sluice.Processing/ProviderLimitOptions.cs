using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// The limits a remote AI provider's <see cref="ProviderGuard"/> enforces, as the provider's options carry them:
/// the same keys, validation and mapping under <c>Sluice:Llm</c> (<see cref="LlmOptions"/>) and
/// <c>Sluice:Embedding:OpenAi</c> (<see cref="OpenAiEmbedderOptions"/>).
/// </summary>
public abstract class ProviderLimitOptions
{
    /// <param name="requestsPerSecond">The default of <see cref="RequestsPerSecond"/>, which differs between providers.</param>
    private protected ProviderLimitOptions(double requestsPerSecond) => RequestsPerSecond = requestsPerSecond;

    /// <summary>How long one request may take before it counts as a (transient) failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most requests in flight at once from this process.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most requests started per second from this process (token bucket); 0 for no limit.</summary>
    [Range(0, 100_000)]
    public double RequestsPerSecond { get; set; }

    /// <summary>Circuit breaker: share of failed requests within <see cref="CircuitSamplingDuration"/> that opens it.</summary>
    [Range(0.01, 1.0)]
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Circuit breaker: requests within <see cref="CircuitSamplingDuration"/> before the ratio is judged.</summary>
    [Range(2, 100_000)]
    public int CircuitMinimumThroughput { get; set; } = 10;

    /// <summary>Circuit breaker: the window failures are counted over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Circuit breaker: how long it stays open (stages calling the provider pause that long) before a probe request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The guard settings these options describe.</summary>
    public ProviderGuardOptions ToGuardOptions() => new()
    {
        Timeout = Timeout,
        MaxConcurrency = MaxConcurrency,
        RequestsPerSecond = RequestsPerSecond,
        FailureRatio = CircuitFailureRatio,
        MinimumThroughput = CircuitMinimumThroughput,
        SamplingDuration = CircuitSamplingDuration,
        BreakDuration = CircuitBreakDuration,
    };
}
