using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Telemetry;

/// <summary>
/// The metrics part of <c>Sluice:Telemetry</c>: whether the API process serves a Prometheus scrape endpoint, and where.
/// The endpoint needs no API key (it carries no tenant's data, only counts and timings): restrict it at the network
/// (or a reverse proxy) where that matters, or turn it off.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Sluice:Telemetry";

    /// <summary><c>Sluice:Telemetry:Prometheus</c>: serve the scrape endpoint (on by default).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary><c>Sluice:Telemetry:MetricsPath</c>: where the scrape endpoint is served.</summary>
    [Required]
    [RegularExpression("^/[A-Za-z0-9._~/-]*$", ErrorMessage = "Sluice:Telemetry:MetricsPath must be a path starting with '/', e.g. /metrics.")]
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>
    /// <c>Sluice:Telemetry:OtlpMetrics</c>: export metrics by OTLP too (or not). Unset, they are exported whenever an OTLP
    /// endpoint is configured (<c>Sluice:Telemetry:OtlpEndpoint</c>, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
    /// <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>).
    /// </summary>
    public bool? OtlpMetrics { get; set; }
}
