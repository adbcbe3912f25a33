using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// How a <see cref="ProviderGuard"/> protects one AI provider: how many calls may be in flight, how many may start
/// per second, how long one may take, and when to stop calling a provider that keeps failing.
/// </summary>
public sealed class ProviderGuardOptions
{
    /// <summary>How long one call may take before it counts as a (transient) failure. Waiting for a slot is not counted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most calls in flight at once, across every caller in the process; the others wait their turn.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most calls started per second (a token bucket, bursts up to one second's worth); 0 for no limit.</summary>
    [Range(0, 100_000)]
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>Share of failed calls within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls within <see cref="SamplingDuration"/> before the failure ratio is judged at all.</summary>
    [Range(2, 100_000)]
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>The window the failure ratio is measured over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before one probe call is let through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Callers that may wait for a slot or a token; past this they get a transient failure at once.</summary>
    [Range(1, 1_000_000)]
    public int QueueLimit { get; set; } = 10_000;
}
