using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Hosting;

/// <summary>The <c>Sluice:Warmup</c> section: what an API process does before it reports ready (see <see cref="StartupWarmup"/>).</summary>
public sealed class WarmupOptions
{
    public const string Section = "Sluice:Warmup";

    /// <summary>
    /// Whether the process warms up its upload path and its stages before <c>/readyz</c> reports ready. Off (the
    /// default), it is ready as soon as its checks pass, and the first uploads pay for compiling and loading what they
    /// use. Off by default because it did not measurably lower the first bursts' acknowledgement latency of a
    /// ReadyToRun-published <c>sluice</c> (<c>sluice bench cold --compare Sluice__Warmup__Enabled=true</c>) while it
    /// holds readiness back by a second or so; it remains for hosts whose first requests prove slower.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The longest the warm-up may hold readiness back. Past it the process reports ready anyway (with a warning in
    /// the log): a warm-up is an optimisation, and a pod that never becomes ready is worse than a cold one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
