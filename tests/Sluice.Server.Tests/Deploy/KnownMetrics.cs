namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The metric names Sluice's processes serve at <c>/metrics</c>, as Prometheus sees them. They come from the
/// instruments in docs/ARCHITECTURE.md ("Metrics"): Sluice's meters (<c>Telemetry/IngestionMetrics</c>,
/// <c>Runtime/PipelineMetrics</c>, the consumer-lag, retry, dead-letter, document and provider gauges) and ASP.NET
/// Core's, exported by OpenTelemetry's Prometheus exporter, which turns dots into underscores, appends the unit
/// (<c>_seconds</c>, <c>_bytes</c>), ends counters in <c>_total</c> and serves a histogram as
/// <c>_bucket</c>/<c>_sum</c>/<c>_count</c>. A dashboard or alert that reads any other name shows nothing: when an
/// instrument is renamed, rename it here and in deploy/grafana and deploy/prometheus.
/// </summary>
internal static class KnownMetrics
{
    public static readonly IReadOnlySet<string> Counters = new HashSet<string>(StringComparer.Ordinal)
    {
        "sluice_uploads_total",
        "sluice_stage_records_total",
        "sluice_provider_rate_limited_waits_total",
        "sluice_embedder_texts_total",
        "sluice_embedder_batches_total",
        "sluice_llm_tokens_total",
    };

    public static readonly IReadOnlySet<string> Gauges = new HashSet<string>(StringComparer.Ordinal)
    {
        "sluice_stage_in_flight",
        "sluice_stage_paused_partitions",
        "sluice_consumer_lag",
        "sluice_consumer_oldest_age_seconds",
        "sluice_retry_waiting",
        "sluice_dead_letters_parked",
        "sluice_documents",
        "sluice_provider_circuit_open",
    };

    public static readonly IReadOnlySet<string> Histograms = new HashSet<string>(StringComparer.Ordinal)
    {
        "sluice_upload_duration_seconds",
        "sluice_upload_size_bytes",
        "sluice_stage_duration_seconds",
        "sluice_embedder_batch_duration_seconds",
        "http_server_request_duration_seconds",
    };


    /// <summary>Metrics of other exporters an alert may read (Prometheus itself, kube-state-metrics).</summary>
    public static readonly IReadOnlySet<string> External = new HashSet<string>(StringComparer.Ordinal) { "up", "kube_pod_status_ready" };

    /// <summary>Every series name Sluice serves: counters and gauges as they are, histograms with their three series.</summary>
    public static IReadOnlySet<string> Series { get; } = new HashSet<string>(
        [.. Counters, .. Gauges, .. Histograms.SelectMany(h => new[] { h + "_bucket", h + "_sum", h + "_count" })], StringComparer.Ordinal);

    /// <summary>The base names (histograms without their suffixes).</summary>
    public static IEnumerable<string> Names => [.. Counters, .. Gauges, .. Histograms];
}
